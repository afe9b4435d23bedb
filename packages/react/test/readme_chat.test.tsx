// @vitest-environment jsdom
// The root README's "React" chat with presence, its component exactly as printed, rendered twice
// (alice and bob, one socket each) against a real Fenix server with the room channel it assumes.
// Its imports are the README's too: `@fenix/react`'s four hooks and React's `useState`.
import type { AddressInfo } from "node:net";
import { SocketProvider, useChannel, useEvent, usePresence } from "@fenix/react";
import { act, cleanup, fireEvent, render, waitFor, within } from "@testing-library/react";
import { Endpoint, createLogger, defineChannel, defineSocket, error } from "fenix";
import { useState } from "react";
import { afterAll, afterEach, describe, expect, it } from "vitest";

// The server the snippet talks to: a signed token to connect, `room:*` tracking presence by the
// `name` join param and broadcasting `new_msg` as `{user, body}`. Topic `room:locked` refuses joins.
const SALT = "user socket";
const RoomChannel = defineChannel<{ name: string }>({
  join(topic, payload, socket) {
    if (topic === "room:locked") return error({ reason: "locked" });
    socket.assign("name", String((payload as { name?: unknown }).name));
    socket.send("after_join");
  },
  async handleInfo(_message, socket) {
    await socket.presence.pushState(socket);
    socket.presence.track(socket, socket.assigns.name, { name: socket.assigns.name });
  },
  handleIn: {
    new_msg: (payload, socket) => void socket.broadcast("new_msg", { user: socket.assigns.name, body: String(payload.body) }),
  },
});
const endpoint = new Endpoint({
  presence: true,
  checkOrigin: false,
  secretKeyBase: "readme-chat-test-secret-key-base-0123456789",
  logger: createLogger({ name: "readme-chat", level: "warn" }),
});
endpoint.socket(
  "/socket",
  defineSocket({
    channels: [["room:*", RoomChannel]],
    connect: (params, socket) => socket.tokens.verify(SALT, params.token).ok,
  }),
);
const server = await endpoint.listen(0, "127.0.0.1");
const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket`;
const token = endpoint.tokens.sign(SALT, "reader");

afterEach(cleanup);
afterAll(() => endpoint.close());

// ---- The README's component, verbatim (formatted by biome). ----
function Chat({ room, name }: { room: string; name: string }) {
  const { channel, status, push } = useChannel(`room:${room}`, { name });
  const [messages, setMessages] = useState<{ user: string; body: string }[]>([]);
  useEvent(channel, "new_msg", (msg: { user: string; body: string }) => setMessages((m) => [...m, msg]));
  const online = usePresence<{ name: string }>(channel);
  const [body, setBody] = useState("");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        push("new_msg", { body });
        setBody("");
      }}
    >
      <p>
        {status} · online: {online.map((p) => p.key).join(", ")}
      </p>
      <ul>
        {messages.map((m, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the README's code as printed (an append-only list)
          <li key={i}>
            <b>{m.user}</b> {m.body}
          </li>
        ))}
      </ul>
      <input value={body} onChange={(e) => setBody(e.target.value)} />
      {/* biome-ignore lint/a11y/useButtonType: the README's code as printed (the form's submit button) */}
      <button disabled={status !== "joined"}>Send</button>
    </form>
  );
}
// ---- End of the README's component. ----

// The README's `App`, with the plumbing a test needs: an absolute URL and the user's name.
const App = ({ name, room = "lobby" }: { name: string; room?: string }) => (
  <SocketProvider url={url} params={{ token }}>
    <Chat room={room} name={name} />
  </SocketProvider>
);

const until = (check: () => void) => waitFor(check, { timeout: 8_000 });

function chat(name: string, room?: string) {
  const view = within(render(<App name={name} room={room} />).container);
  return {
    status: () => view.getByText(/online:/).textContent?.split(" · ")[0],
    online: () => (view.getByText(/online:/).textContent?.split("online: ")[1] ?? "").split(", ").filter(Boolean).sort(),
    messages: () => view.queryAllByRole("listitem").map((li) => li.textContent),
    input: () => view.getByRole<HTMLInputElement>("textbox"),
    send: () => view.getByRole<HTMLButtonElement>("button", { name: "Send" }),
  };
}

describe("the README's React chat", () => {
  it("shows both users online and delivers a message sent by one to both lists", async () => {
    const alice = chat("alice");
    // Rendered, not yet joined: the status says so and Send is disabled.
    expect(alice.status()).not.toBe("joined");
    expect(alice.send().disabled).toBe(true);
    const bob = chat("bob");
    expect(bob.send().disabled).toBe(true);

    await until(() =>
      expect([alice.online(), bob.online()]).toEqual([
        ["alice", "bob"],
        ["alice", "bob"],
      ]),
    );
    expect([alice.status(), bob.status()]).toEqual(["joined", "joined"]);
    expect([alice.send().disabled, bob.send().disabled]).toEqual([false, false]);

    fireEvent.change(bob.input(), { target: { value: "hi alice" } });
    expect(bob.input().value).toBe("hi alice");
    act(() => fireEvent.click(bob.send()));
    expect(bob.input().value).toBe("");
    await until(() => expect([alice.messages(), bob.messages()]).toEqual([["bob hi alice"], ["bob hi alice"]]));

    fireEvent.change(alice.input(), { target: { value: "hello bob" } });
    act(() => fireEvent.click(alice.send()));
    await until(() =>
      expect([alice.messages(), bob.messages()]).toEqual([
        ["bob hi alice", "alice hello bob"],
        ["bob hi alice", "alice hello bob"],
      ]),
    );
  });

  it("keeps Send disabled when the join is refused", async () => {
    const eve = chat("eve", "locked");
    expect(eve.send().disabled).toBe(true);
    await until(() => expect(eve.status()).toBe("errored"));
    expect(eve.send().disabled).toBe(true);
    expect(eve.online()).toEqual([]);
  });
});
