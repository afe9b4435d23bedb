// A chat room on the official phoenix client, its online list kept by phoenix.js Presence.
import { Presence, Socket } from "phoenix";

const params = new URLSearchParams(location.search);
const user = params.get("user") || `guest-${Math.floor(Math.random() * 1000)}`;
const room = params.get("room") || "lobby";
document.getElementById("user-name").textContent = user;
document.getElementById("room-name").textContent = room;

const socket = new Socket("/socket", { params: { user } });
socket.connect();

const channel = socket.channel(`room:${room}`);
const presence = new Presence(channel);

presence.onSync(() => {
  const list = document.getElementById("online");
  list.replaceChildren(
    ...presence.list((name, { metas }) => {
      const li = document.createElement("li");
      li.textContent = metas.length > 1 ? `${name} (${metas.length})` : name;
      li.dataset.user = name;
      return li;
    }),
  );
});

channel.on("new_msg", ({ user: from, body }) => {
  const li = document.createElement("li");
  li.textContent = `${from}: ${body}`;
  document.getElementById("messages").append(li);
});

channel.join().receive("error", (resp) => console.error("join refused", resp));

document.getElementById("send").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("body");
  if (!input.value) return;
  channel.push("new_msg", { body: input.value });
  input.value = "";
});
