// @vitest-environment jsdom
import { SocketProvider, useSocket } from "@fenix/react";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import type { Socket } from "phoenix";
import { StrictMode, useEffect, useState } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startTestServer } from "./support/server.js";
import { recordingTransport } from "./support/wire.js";

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

const sockets: Socket[] = [];
function Probe() {
  const socket = useSocket();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!socket) return;
    if (!sockets.includes(socket)) sockets.push(socket);
    const ref = socket.onOpen(() => setOpen(true));
    return () => socket.off([ref]);
  }, [socket]);
  return <p data-testid="probe">{socket ? (open ? "open" : "connecting") : "none"}</p>;
}

const harness = { initialUrl: "", setUrl: (_url: string) => {}, setToken: (_token: string) => {} };

function UrlApp() {
  const [url, change] = useState(harness.initialUrl);
  harness.setUrl = change;
  return (
    <SocketProvider url={url}>
      <Probe />
    </SocketProvider>
  );
}

function TokenApp() {
  const [token, change] = useState("one");
  harness.setToken = change;
  return (
    <SocketProvider url={server.url} params={{ token }}>
      <Probe />
    </SocketProvider>
  );
}

describe("SocketProvider", () => {
  it("connects on mount and disconnects on unmount", async () => {
    const before = server.connects();
    const view = render(
      <SocketProvider url={server.url}>
        <Probe />
      </SocketProvider>,
    );
    await until(() => expect(screen.getByTestId("probe").textContent).toBe("open"));
    expect(server.connects() - before).toBe(1);
    expect(server.endpoint.connections.size).toBe(1);
    view.unmount();
    await until(() => expect(server.endpoint.connections.size).toBe(0));
  });

  it("under StrictMode ends with exactly one socket, and one connection on the server", async () => {
    sockets.length = 0;
    const before = server.connects();
    const opened: string[] = [];
    render(
      <StrictMode>
        <SocketProvider url={server.url} options={{ transport: recordingTransport([], opened) }}>
          <Probe />
        </SocketProvider>
      </StrictMode>,
    );
    await until(() => expect(screen.getByTestId("probe").textContent).toBe("open"));
    // Give a second socket, if one had been made, the time to reach the server.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sockets).toHaveLength(1);
    expect(opened).toHaveLength(1);
    expect(server.connects() - before).toBe(1);
    expect(server.endpoint.connections.size).toBe(1);
  });

  it("opens a new socket and closes the old one when the url changes", async () => {
    sockets.length = 0;
    harness.initialUrl = server.url;
    render(<UrlApp />);
    await until(() => expect(screen.getByTestId("probe").textContent).toBe("open"));
    act(() => harness.setUrl(server.otherUrl));
    await until(() => expect(sockets).toHaveLength(2));
    await until(() => expect(sockets[1]!.isConnected()).toBe(true));
    await until(() => expect(sockets[0]!.isConnected()).toBe(false));
    await until(() => expect(server.endpoint.connections.size).toBe(1));
  });

  it("hands the latest params to a reconnect", async () => {
    const seen: string[] = [];
    render(<TokenApp />);
    await until(() => expect(screen.getByTestId("probe").textContent).toBe("open"));
    const socket = sockets.at(-1)!;
    seen.push(new URL(socket.endPointURL()).searchParams.get("token") ?? "");
    act(() => harness.setToken("two"));
    seen.push(new URL(socket.endPointURL()).searchParams.get("token") ?? "");
    expect(seen).toEqual(["one", "two"]);
  });
});
