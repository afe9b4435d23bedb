// The book's client code (chapters 3–5, assets/js/socket.js) on the official phoenix client.
import { Socket } from "phoenix";

const logEl = document.getElementById("log");
function show(level, args) {
  const line = args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
  if (logEl) logEl.textContent += `${level === "error" ? "! " : ""}${line}\n`;
}
const log = (...args) => {
  console.log(...args);
  show("log", args);
};
const logError = (...args) => {
  console.error(...args);
  show("error", args);
};

const socket = new Socket("/socket", {});
socket.connect();

const channel = socket.channel("ping");
channel
  .join()
  .receive("ok", (resp) => log("Joined ping", resp))
  .receive("error", (resp) => log("Unable to join ping", resp));

log("send ping");
channel.push("ping").receive("ok", (resp) => log("receive", resp.ping));

log("send pong");
channel
  .push("pong")
  .receive("ok", (resp) => log("won't happen", resp))
  .receive("error", (resp) => logError("won't happen yet", resp))
  .receive("timeout", (resp) => logError("pong message timeout", resp));

channel.push("param_ping", { error: true }).receive("error", (resp) => logError("param_ping error:", resp));

channel.push("param_ping", { error: false, arr: [1, 2] }).receive("ok", (resp) => log("param_ping ok:", resp));

channel.on("send_ping", (payload) => {
  log("ping requested", payload);
  channel.push("ping").receive("ok", (resp) => log("ping:", resp.ping));
});

channel
  .push("invalid")
  .receive("ok", (resp) => log("won't happen", resp))
  .receive("error", (resp) => logError("won't happen", resp))
  .receive("timeout", (resp) => logError("invalid event timeout", resp));

const authSocket = new Socket("/auth_socket", { params: { token: window.authToken } });
authSocket.onOpen(() => log("authSocket connected"));
authSocket.connect();

const recurringChannel = authSocket.channel("recurring");
recurringChannel.on("new_token", (payload) => log("received new auth token", payload));
recurringChannel.join();

const dupeChannel = socket.channel("dupe");
dupeChannel.on("number", (payload) => log("new number received", payload));
dupeChannel.join();

const userChannel = authSocket.channel(`user:${window.userId}`);
userChannel
  .join()
  .receive("ok", () => log(`Joined user:${window.userId}`))
  .receive("error", (resp) => logError(`Unable to join user:${window.userId}`, resp));
// The data pipeline's deliveries (chapter 6).
userChannel.on("push", (payload) => log("received auth user push", payload));
userChannel.on("push_timed", (payload) => log("received timed auth user push", payload));
