// @vitest-environment node
// Server-side rendering: no socket is made and nothing connects; the hooks render their idle state.
import { SocketProvider, useChannel, usePresence, usePush, useSocket } from "@fenix/react";
import { renderToString } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startTestServer } from "./support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

function Page() {
  const socket = useSocket();
  const { channel, status } = useChannel("room:ssr");
  const [, push] = usePush(channel);
  const online = usePresence(channel);
  return <p>{`${socket === null} ${status} ${push.status} ${online.length}`}</p>;
}

describe("server-side rendering", () => {
  it("renders without creating a socket or reaching the server", async () => {
    const html = renderToString(
      <SocketProvider url={server.url}>
        <Page />
      </SocketProvider>,
    );
    expect(html).toBe("<p>true idle idle 0</p>");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.connects()).toBe(0);
  });
});
