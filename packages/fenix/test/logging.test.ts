// What Fenix logs: connects and joins with durations, crashes with the stack, unmatched topics,
// and the startup warning for a handleOut event that is not intercepted.
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, noMatch, ok } from "fenix";
import { captureLog } from "fenix/testing";
import { afterEach, expect, it } from "vitest";
import { WebSocket } from "ws";

const RoomChannel = defineChannel({
  name: "RoomChannel",
  join: () => ok(),
  handleIn: (event) => (event === "ping" ? ok() : noMatch("handleIn", event)),
});
const UserSocket = defineSocket({ name: "UserSocket", channels: [["room:*", RoomChannel]] });

let endpoint: Endpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

async function session(frames: unknown[], awaitReplies: number): Promise<void> {
  endpoint = new Endpoint({ logger: createLogger({ level: "debug" }) });
  endpoint.socket("/socket", UserSocket);
  const server = await endpoint.listen(0);
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket/websocket?vsn=2.0.0&token=secret123`);
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    ws.on("message", () => {
      if (++seen === awaitReplies) resolve();
    });
    ws.on("open", () => {
      for (const frame of frames) ws.send(JSON.stringify(frame));
    });
    ws.on("error", reject);
    setTimeout(() => reject(new Error(`only ${seen} of ${awaitReplies} frames arrived`)), 2_000);
  });
  ws.close();
}

it("logs the connect with its duration, transport, serializer and filtered params", async () => {
  const log = await captureLog(() => session([[null, "1", "phoenix", "heartbeat", {}]], 1));
  expect(log).toMatch(/\[info\] CONNECTED TO UserSocket in \d+\.\d+ms/);
  expect(log).not.toContain("secret123");
});

it("logs joins with their duration", async () => {
  const log = await captureLog(() => session([["1", "1", "room:a", "phx_join", {}]], 1));
  expect(log).toMatch(/\[info\] JOIN room:a to RoomChannel ok in \d+\.\d+ms/);
});

it("logs a crash with the exception and its stack", async () => {
  const log = await captureLog(() =>
    session(
      [
        ["1", "1", "room:a", "phx_join", {}],
        ["1", "2", "room:a", "boom", {}],
      ],
      2,
    ),
  );
  expect(log).toContain('[error] an exception was raised in RoomChannel.handleIn("boom") on room:a');
  expect(log).toMatch(/NoMatchingClauseError: no function clause matching in handleIn for event "boom"\n\s+at /);
});

it("warns about unmatched topics", async () => {
  const log = await captureLog(() => session([["1", "1", "nope", "phx_join", {}]], 1));
  expect(log).toContain('[warning] Ignoring unmatched topic "nope" in UserSocket');
});

it("warns at startup when handleOut handles an event that is not intercepted", async () => {
  const Forgetful = defineChannel({ name: "PingChannel", handleOut: { request_ping: () => {} } });
  const log = await captureLog(() => {
    new Endpoint({ logger: createLogger() }).socket("/socket", defineSocket({ channels: [["ping", Forgetful]] }));
  });
  expect(log).toMatch(/\[warning\] PingChannel defines handleOut for "request_ping" but does not intercept it/);
  const Careful = defineChannel({ intercepts: ["request_ping"], handleOut: { request_ping: () => {} } });
  const quiet = await captureLog(() => {
    new Endpoint({ logger: createLogger() }).socket("/socket", defineSocket({ channels: [["ping", Careful]] }));
  });
  expect(quiet).not.toContain("intercept");
});
