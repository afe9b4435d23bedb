// @vitest-environment jsdom
import { SocketProvider, useChannel } from "@fenix/react";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { StrictMode, useState } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startTestServer } from "./support/server.js";
import { type Frame, channelFrames, recordingTransport } from "./support/wire.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
afterEach(async () => {
  cleanup();
  await server.settled();
});

function Status({ topic, id = "status", onJoin }: { topic: string; id?: string; onJoin?: (r: unknown) => void }) {
  const { status } = useChannel(topic, {}, { onJoin });
  return <p data-testid={id}>{status}</p>;
}

// Test components live at module level; the tests reach their state setters through here.
const harness = {
  change: (_topic: string) => {},
  swap: () => {},
  rerender: () => {},
  onError: (_reason: unknown) => {},
  calls: [] as string[],
  statuses: [] as string[],
  onJoinAgain: (_reply: unknown) => {},
};

function Reconnecting() {
  const { status } = useChannel("room:again", {}, { onJoin: (reply) => harness.onJoinAgain(reply) });
  if (harness.statuses.at(-1) !== status) harness.statuses.push(status);
  return <p data-testid="status">{status}</p>;
}

function Switcher() {
  const [topic, setTopic] = useState("room:a");
  harness.change = setTopic;
  return <Status topic={topic} />;
}

function Pages() {
  const [page, setPage] = useState<"a" | "b">("a");
  harness.swap = () => setPage("b");
  return page === "a" ? <Status topic="room:shared" id="a" /> : <Status topic="room:shared" id="b" />;
}

function Private() {
  const { status } = useChannel("private:x", {}, { onError: (reason) => harness.onError(reason) });
  return <p data-testid="status">{status}</p>;
}

function Joiner() {
  const [n, setN] = useState(0);
  harness.rerender = () => setN(1);
  const { status } = useChannel("room:cb", {}, { onJoin: (r) => harness.calls.push(`render${n}:${JSON.stringify(r)}`) });
  return <p data-testid="status">{status}</p>;
}

const until = (check: () => void) => waitFor(check, { timeout: 5_000 });

describe("useChannel", () => {
  it("joins on mount and leaves on unmount: the server sees one join and, after unmount, no channel", async () => {
    const view = render(
      <SocketProvider url={server.url}>
        <Status topic="room:mount" />
      </SocketProvider>,
    );
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    expect(server.events).toEqual(["join:room:mount"]);
    expect(server.channelCount()).toBe(1);
    view.unmount();
    await until(() => expect(server.channelCount()).toBe(0));
    expect(server.events).toEqual(["join:room:mount", "terminate:room:mount"]);
  });

  it("under StrictMode opens one connection and sends one join", async () => {
    const before = server.connects();
    const sent: Frame[] = [];
    render(
      <StrictMode>
        <SocketProvider url={server.url} options={{ transport: recordingTransport(sent) }}>
          <Status topic="room:strict" />
        </SocketProvider>
      </StrictMode>,
    );
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    expect(server.connects() - before).toBe(1);
    expect(channelFrames(sent)).toEqual(["phx_join room:strict"]);
    expect(server.events).toEqual(["join:room:strict"]);
    expect([...server.endpoint.connections].length).toBe(1);
  });

  it("on a topic change sends the old topic's leave before the new join", async () => {
    const sent: Frame[] = [];
    render(
      <SocketProvider url={server.url} options={{ transport: recordingTransport(sent) }}>
        <Switcher />
      </SocketProvider>,
    );
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    act(() => harness.change("room:b"));
    await until(() => expect(server.events).toContain("join:room:b"));
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    expect(channelFrames(sent)).toEqual(["phx_join room:a", "phx_leave room:a", "phx_join room:b"]);
    await until(() => expect(server.events).toContain("terminate:room:a"));
    expect(server.channelCount()).toBe(1);
  });

  it("shares one channel between components on the same topic: swapping them neither leaves nor joins", async () => {
    const sent: Frame[] = [];
    render(
      <SocketProvider url={server.url} options={{ transport: recordingTransport(sent) }}>
        <Pages />
        <Status topic="room:shared" id="header" />
      </SocketProvider>,
    );
    await until(() => expect(screen.getByTestId("a").textContent).toBe("joined"));
    act(() => harness.swap());
    expect(screen.getByTestId("b").textContent).toBe("joined");
    // Let any deferred leave run, then make a round trip so it would have reached the server.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await until(() => expect(screen.getByTestId("header").textContent).toBe("joined"));
    expect(channelFrames(sent)).toEqual(["phx_join room:shared"]);
    expect(server.events).toEqual(["join:room:shared"]);
  });

  it("reports a refused join as errored, calls onError with the reason, and does not retry", async () => {
    const sent: Frame[] = [];
    const reasons: unknown[] = [];
    harness.onError = (reason) => reasons.push(reason);
    render(
      <SocketProvider url={server.url} options={{ transport: recordingTransport(sent), rejoinAfterMs: () => 10 }}>
        <Private />
      </SocketProvider>,
    );
    await until(() => expect(screen.getByTestId("status").textContent).toBe("errored"));
    expect(reasons).toEqual([{ reason: "unauthorized" }]);
    await until(() => expect(channelFrames(sent)).toContain("phx_leave private:x"));
    expect(channelFrames(sent).filter((f) => f === "phx_join private:x")).toHaveLength(1);
    expect(screen.getByTestId("status").textContent).toBe("errored");
  });

  it("calls the latest onJoin passed, with the join reply", async () => {
    const calls: string[] = [];
    harness.calls = calls;
    // The socket is not open yet when the re-render happens, so the join reply meets the new callback.
    render(
      <SocketProvider url={server.url}>
        <Joiner />
      </SocketProvider>,
    );
    act(() => harness.rerender());
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    expect(calls).toEqual(['render1:{"welcome":"room:cb"}']);
  });

  it("rejoins after the connection drops: errored, then joined again, with onJoin called again", async () => {
    const seen: string[] = [];
    const joins: unknown[] = [];
    harness.statuses = seen;
    harness.onJoinAgain = (reply) => joins.push(reply);
    render(
      <SocketProvider url={server.url} options={{ reconnectAfterMs: () => 20, rejoinAfterMs: () => 20 }}>
        <Reconnecting />
      </SocketProvider>,
    );
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    for (const connection of [...server.endpoint.connections]) void connection.close(1011, "test drop", { shutdown: "test" });
    await until(() => expect(seen).toContain("errored"));
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    expect(joins).toEqual([{ welcome: "room:again" }, { welcome: "room:again" }]);
    expect(server.events.filter((e) => e === "join:room:again")).toHaveLength(2);
  });
});
