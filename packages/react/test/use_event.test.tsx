// @vitest-environment jsdom
import { SocketProvider, useChannel, useEvent } from "@fenix/react";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import type { Channel } from "phoenix";
import { useState } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startTestServer } from "./support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
afterEach(async () => {
  cleanup();
  await server.settled();
});

const until = (check: () => void) => waitFor(check, { timeout: 5_000 });
const bindings = (channel: Channel, event: string) =>
  (channel as unknown as { bindings: { event: string; ref: number }[] }).bindings.filter((b) => b.event === event);

const harness = {
  received: [] as string[],
  handle: { channel: null, push: async () => ({}) } as { channel: Channel | null; push: (e: string, p?: object) => Promise<unknown> },
  relabel: (_label: string) => {},
  hide: () => {},
};

function Listener() {
  const [label, setLabel] = useState("first");
  harness.relabel = setLabel;
  useEvent(harness.handle.channel, "poked", (payload: { n: number }) => harness.received.push(`${label}:${payload.n}`));
  return <p data-testid="label">{label}</p>;
}

function Room() {
  const { channel, status, push } = useChannel("room:events");
  const [shown, setShown] = useState(true);
  harness.hide = () => setShown(false);
  harness.handle = { channel, push };
  return (
    <>
      <p data-testid="status">{status}</p>
      {shown && <Listener />}
    </>
  );
}

describe("useEvent", () => {
  it("calls the latest handler after a re-render without re-subscribing, and unbinds on unmount", async () => {
    const received: string[] = [];
    harness.received = received;

    render(
      <SocketProvider url={server.url}>
        <Room />
      </SocketProvider>,
    );
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    const channel = harness.handle.channel!;
    const [first] = bindings(channel, "poked");
    expect(bindings(channel, "poked")).toHaveLength(1);

    await harness.handle.push("poke", { n: 1 });
    await until(() => expect(received).toEqual(["first:1"]));

    act(() => harness.relabel("second"));
    expect(screen.getByTestId("label").textContent).toBe("second");
    expect(bindings(channel, "poked")).toEqual([first]);
    await harness.handle.push("poke", { n: 2 });
    await until(() => expect(received).toEqual(["first:1", "second:2"]));

    act(() => harness.hide());
    expect(bindings(channel, "poked")).toHaveLength(0);
    await harness.handle.push("poke", { n: 3 });
    expect(received).toEqual(["first:1", "second:2"]);
  });
});
