// The admin dashboard: the admin socket, the cart tracker's Presence, and the page's counts
// recomputed on every sync (the same counting as the server-side tools: src/admin/dashboard_counts.ts).
import { Presence, Socket } from "phoenix";
import { dashboardCounts } from "../../src/admin/dashboard_counts.ts";
import dom from "./admin_dom.js";

// WebSocket only: the admin socket has no long-poll.
const socket = new Socket("/admin_socket", { params: { token: window.adminToken } });
socket.connect();
socket.onOpen(() => dom.setStatus("connected"));
socket.onError(() => dom.setStatus("disconnected"));

const channel = socket.channel("admin:cart_tracker");
const presence = new Presence(channel);
// For the curious (and the tests): the full state with every meta.
window.presence = presence;

presence.onSync(() => {
  const counts = dashboardCounts(presence.state);
  dom.setShopperCount(counts.shoppers);
  dom.assemblePageCounts(counts.pages);
  dom.setItemCounts(counts.items);
  dom.setStatus("live");
});

channel
  .join()
  .receive("ok", () => dom.setStatus("joined"))
  .receive("error", () => {
    dom.setStatus("join failed");
    console.error("Channel join failed");
  });
