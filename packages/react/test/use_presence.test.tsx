// @vitest-environment jsdom
import { SocketProvider, useChannel, usePresence } from "@fenix/react";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
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

const until = (check: () => void) => waitFor(check, { timeout: 8_000 });

function Online({ name }: { name: string }) {
  const { channel } = useChannel("presence:lobby", { name });
  const online = usePresence<{ name: string }>(channel);
  return (
    <p data-testid={name}>
      {online
        .map((p) => p.metas[0]?.name)
        .sort()
        .join(",")}
    </p>
  );
}

const hideBob = { current: () => {} };

function Clients() {
  const [bob, setBob] = useState(true);
  hideBob.current = () => setBob(false);
  // Two providers: two sockets, two clients as far as the server is concerned.
  return (
    <>
      <SocketProvider url={server.url}>
        <Online name="alice" />
      </SocketProvider>
      {bob && (
        <SocketProvider url={server.url}>
          <Online name="bob" />
        </SocketProvider>
      )}
    </>
  );
}

describe("usePresence", () => {
  it("keeps two clients' lists in sync as one joins and leaves", async () => {
    render(<Clients />);
    await until(() => expect(screen.getByTestId("alice").textContent).toBe("alice,bob"));
    await until(() => expect(screen.getByTestId("bob").textContent).toBe("alice,bob"));
    expect(server.endpoint.connections.size).toBe(2);

    act(() => hideBob.current());
    await until(() => expect(screen.getByTestId("alice").textContent).toBe("alice"));
  });
});
