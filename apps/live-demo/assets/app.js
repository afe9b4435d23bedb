// All the JavaScript the demo has (the book's app.js): the official clients, unmodified.
import { Socket } from "phoenix";
import { LiveSocket } from "phoenix_live_view";

const csrfToken = document.querySelector("meta[name='csrf-token']").getAttribute("content");
const liveSocket = new LiveSocket("/live", Socket, { params: { _csrf_token: csrfToken }, longPollFallbackMs: 2500 });
liveSocket.connect();
window.liveSocket = liveSocket;
