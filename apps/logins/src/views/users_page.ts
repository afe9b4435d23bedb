// GET /users: the list, then kept current in place by an EventSource on /user-stream.

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The stream's first event is the whole list, so a reconnect repaints from scratch; each change
// after it moves one item.
const SCRIPT = `
const list = document.getElementById("users");
const status = document.getElementById("status");
function item(user) {
  const li = document.createElement("li");
  li.dataset.user = user;
  li.textContent = user;
  return li;
}
function find(user) {
  return [...list.children].find((li) => li.dataset.user === user);
}
document.getElementById("curl").textContent = "curl -N " + location.origin + "/user-stream";
const source = new EventSource("/user-stream");
source.addEventListener("open", () => { status.textContent = "live"; });
source.addEventListener("error", () => { status.textContent = "reconnecting"; });
source.addEventListener("users", (e) => {
  list.replaceChildren(...JSON.parse(e.data).users.map(item));
});
source.onmessage = (e) => {
  const { action, user } = JSON.parse(e.data);
  if (action === "add" && !find(user)) list.prepend(item(user));
  if (action === "del") find(user)?.remove();
};
for (const op of ["login", "logout"]) {
  document.getElementById(op).addEventListener("click", async () => {
    const name = document.getElementById("name").value;
    const res = await fetch("/api/" + op + "/" + encodeURIComponent(name), { method: "POST" });
    document.getElementById("message").textContent = res.ok ? "" : await res.text();
  });
}
`;

/**
 * The live page, listing `users` (newest first) until the stream takes over.
 *
 * @example
 * reply.type("text/html").send(renderUsersPage(["yay"]));
 */
export function renderUsersPage(users: readonly string[]): string {
  const items = users.map((u) => `<li data-user="${escapeHtml(u)}">${escapeHtml(u)}</li>`).join("");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Logged in</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:32rem}#status{color:#777}</style></head>
<body>
<h1>Logged in <small id="status">connecting</small></h1>
<ul id="users">${items}</ul>
<p><input id="name" placeholder="name" maxlength="64"> <button id="login">Log in</button> <button id="logout">Log out</button></p>
<p id="message" role="alert"></p>
<p>The same stream in a terminal: <code id="curl">curl -N /user-stream</code></p>
<script type="module">${SCRIPT}</script>
</body>
</html>
`;
}
