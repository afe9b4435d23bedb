// @vitest-environment jsdom
import { SocketProvider, useChannel, usePush } from "@fenix/react";
import type { PushFn } from "@fenix/react";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
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

const harness = { topic: null as string | null, send: (async () => ({ status: "error", response: undefined })) as PushFn };

function Pusher() {
  const { channel, status } = useChannel(harness.topic);
  const [push, state] = usePush(channel);
  harness.send = push;
  return (
    <>
      <p data-testid="status">{status}</p>
      <p data-testid="push">{`${state.status} ${JSON.stringify(state.response ?? null)}`}</p>
    </>
  );
}

function mountPusher(topic: string | null) {
  harness.topic = topic;
  render(
    <SocketProvider url={server.url}>
      <Pusher />
    </SocketProvider>,
  );
  return { send: (...args: Parameters<PushFn>) => harness.send(...args) };
}

describe("usePush", () => {
  it("goes idle → pending → ok with the reply's response", async () => {
    const pusher = mountPusher("room:push");
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    expect(screen.getByTestId("push").textContent).toBe("idle null");
    let result: unknown;
    await act(async () => {
      result = await pusher.send("echo", { hello: "world" });
    });
    expect(result).toEqual({ status: "ok", response: { hello: "world" } });
    expect(screen.getByTestId("push").textContent).toBe('ok {"hello":"world"}');
  });

  it("reports an error reply with its response", async () => {
    const pusher = mountPusher("room:push-error");
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    await act(async () => {
      await pusher.send("refuse", {});
    });
    expect(screen.getByTestId("push").textContent).toBe('error {"reason":"refused"}');
  });

  it("reports a timeout when the server never replies", async () => {
    const pusher = mountPusher("room:push-timeout");
    await until(() => expect(screen.getByTestId("status").textContent).toBe("joined"));
    act(() => void pusher.send("silent", {}, 300));
    expect(screen.getByTestId("push").textContent).toBe("pending null");
    await until(() => expect(screen.getByTestId("push").textContent).toBe("timeout null"));
  });

  it("answers a push without a channel with an error instead of throwing", async () => {
    const pusher = mountPusher(null);
    let result: unknown;
    await act(async () => {
      result = await pusher.send("echo", {});
    });
    expect(result).toEqual({ status: "error", response: { reason: "not joined" } });
    expect(screen.getByTestId("push").textContent).toBe('error {"reason":"not joined"}');
  });
});
