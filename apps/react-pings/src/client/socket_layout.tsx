import { SocketProvider } from "@fenix/react";
import { LongPoll } from "phoenix";
import { useState } from "react";
import { Outlet } from "react-router";

/**
 * The book's `<Socket>`: one phoenix Socket to `/socket` for every page under it. `?transport=longpoll`
 * on the first socket page forces the LongPoll transport (the React Native fallback of §3.9).
 */
export function SocketLayout() {
  const [longPoll] = useState(() => new URLSearchParams(window.location.search).get("transport") === "longpoll");
  return (
    <SocketProvider url="/socket" options={longPoll ? { transport: LongPoll } : undefined}>
      <Outlet />
    </SocketProvider>
  );
}
