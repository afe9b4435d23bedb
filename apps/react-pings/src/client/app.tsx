import { Route, Routes } from "react-router";
import { Nav } from "./nav.js";
import { Count } from "./pages/count.js";
import { Home } from "./pages/home.js";
import { Pings } from "./pages/pings.js";
import { PingChannel } from "./ping_channel.js";
import { SocketLayout } from "./socket_layout.js";

/**
 * The book's routes as React Router layout routes. Home sits outside the socket layout, so going
 * Home unmounts the provider and closes the socket. /pings and /count are children of one
 * `ping` channel layout, so moving between them keeps the channel. The `other` layout has a key:
 * React would otherwise reuse the `ping` layout instance; either way useChannel leaves `ping`
 * before joining `other`.
 */
export function App() {
  return (
    <>
      <Nav />
      <main>
        <Routes>
          <Route index element={<Home />} />
          <Route element={<SocketLayout />}>
            <Route element={<PingChannel key="ping" topic="ping" />}>
              <Route path="pings" element={<Pings />} />
              <Route path="count" element={<Count />} />
            </Route>
            <Route element={<PingChannel key="other" topic="other" />}>
              <Route path="other" element={<Pings topic="other" />} />
            </Route>
          </Route>
        </Routes>
      </main>
    </>
  );
}
