// The page react18.browser.test.ts drives: every hook of @fenix/react under React 18's
// StrictMode. It imports "react" and "react-dom" like any app; bundle.ts points those at the
// react-18 / react-dom-18 aliases, the hooks' own source included, so this is React 18 throughout.
import { StrictMode, useEffect, useState, version } from "react";
import { version as domVersion } from "react-dom";
import { createRoot } from "react-dom/client";
import { SocketProvider, useChannel, useEvent, usePresence, usePush, useSocket } from "../../src/index.js";

/** What the test reads back from the page: the React that actually rendered, and effect counts. */
export interface React18Probe {
  react: string;
  reactDom: string;
  /** Mount effects run per component: 2 under StrictMode's development double effects. */
  effects: Record<string, number>;
}

declare global {
  interface Window {
    react18: React18Probe;
  }
}

const query = new URLSearchParams(location.search);
const name = query.get("name") ?? "anonymous";
const probe: React18Probe = { react: version, reactDom: domVersion, effects: {} };
window.react18 = probe;

function useMountCount(label: string): void {
  useEffect(() => {
    probe.effects[label] = (probe.effects[label] ?? 0) + 1;
  }, [label]);
}

function SocketState() {
  const socket = useSocket();
  return <p data-testid="socket">{socket ? "socket ready" : "no socket"}</p>;
}

function Room({ topic }: { topic: string }) {
  useMountCount("Room");
  const { channel, status, push } = useChannel(topic);
  const [echo, echoed] = usePush<{ text: string }>(channel);
  const [label, setLabel] = useState("first");
  const [events, setEvents] = useState<string[]>([]);
  // A new closure over `label` on every render: the event must reach the newest one.
  useEvent(channel, "poked", (payload: { n: number }) => setEvents((seen) => [...seen, `${label}:${payload.n}`]));
  return (
    <section>
      <h2>{`Room ${topic}: ${status}`}</h2>
      <button type="button" onClick={() => void echo("echo", { text: `hello from ${name}` })}>
        Echo
      </button>
      <output data-testid="echo">{`${echoed.status}${echoed.response ? ` ${echoed.response.text}` : ""}`}</output>
      <button type="button" onClick={() => setLabel("second")}>
        Relabel
      </button>
      <button type="button" onClick={() => void push("poke", { n: events.length + 1 })}>
        Poke
      </button>
      <ul data-testid="events">
        {events.map((event) => (
          <li key={event}>{event}</li>
        ))}
      </ul>
    </section>
  );
}

function Lobby() {
  useMountCount("Lobby");
  const { channel, status } = useChannel("presence:lobby", { name });
  const online = usePresence<{ name: string }>(channel);
  return (
    <section>
      <h2>{`Lobby: ${status}`}</h2>
      <p data-testid="online">
        {online
          .map((entry) => entry.metas[0]?.name)
          .sort()
          .join(",")}
      </p>
    </section>
  );
}

function App() {
  const [connected, setConnected] = useState(true);
  const [topic, setTopic] = useState("room:a");
  const [lobby, setLobby] = useState(query.has("lobby"));
  return (
    <>
      <button type="button" onClick={() => setTopic("room:b")}>
        Switch topic
      </button>
      <button type="button" onClick={() => setLobby(true)}>
        Show lobby
      </button>
      <button type="button" onClick={() => setConnected(false)}>
        Disconnect
      </button>
      {connected ? (
        <SocketProvider url="/socket">
          <SocketState />
          <Room topic={topic} />
          {lobby && <Lobby />}
        </SocketProvider>
      ) : (
        <p>disconnected</p>
      )}
    </>
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("the page has no #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
