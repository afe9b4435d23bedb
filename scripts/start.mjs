// `npm start`: every application of the repository at once, each on its own port, and an index
// page on PORT (default 4000) linking them. Each app also runs alone: `npm start -w apps/<name>`.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const base = Number(process.env.PORT ?? 4000);

/** Every app, in the order the index lists them. A new app adds one line here. */
const APPS = [
  {
    name: "HelloSockets",
    main: "apps/hello/dist/main.js",
    what: "the book's first app (chapters 2–5): ping, wildcard topics, authenticated sockets, a chat room with Presence",
    paths: ["/", "/room"],
  },
  {
    name: "Sneakers23",
    main: "apps/sneakers/dist/main.js",
    what: "the book's sneaker store (chapters 7–8): live releases and stock levels; drive it with `npm run cli -w apps/sneakers -- release 1`",
    paths: ["/"],
  },
  {
    name: "Login tracker",
    main: "apps/logins/dist/main.js",
    what: "logins and logouts over HTTP, streamed live to curl and EventSource (`curl -N …/user-stream`)",
    paths: ["/users", "/user-stream"],
  },
  {
    name: "Loops With Friends",
    main: "apps/loops/dist/main.js",
    what: "jams of seven players, one synthesized loop each, in time; new jams are made and filled automatically, race-safe across nodes",
    paths: ["/", "/stats"],
  },
  {
    name: "React Pings",
    main: "apps/react-pings/dist/server/main.js",
    what: "the book's React single-page app (chapter 14) on @fenix/react: Home, Pings, Count and Other Pings over /socket (add ?transport=longpoll for LongPoll)",
    paths: ["/", "/pings", "/count", "/other"],
  },
  {
    name: "Fenix Live demo",
    main: "apps/live-demo/dist/main.js",
    what: "the book's LiveView chapter (13): a counter and a signup form as server-rendered live views, driven by the official phoenix_live_view client",
    paths: ["/counter", "/signup"],
  },
].map((app, i) => ({ ...app, port: base + 1 + i }));

const children = new Map();
let stopping = false;

function prefixLines(name, stream, out) {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop();
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  });
}

for (const app of APPS) {
  const child = spawn(process.execPath, [app.main], {
    cwd: root,
    env: { ...process.env, PORT: String(app.port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  prefixLines(app.name, child.stdout, process.stdout);
  prefixLines(app.name, child.stderr, process.stderr);
  children.set(app.name, child);
  child.once("exit", (code, signal) => {
    children.delete(app.name);
    if (stopping) return;
    console.error(`[start] ${app.name} stopped (${signal ?? `exit ${code}`}); stopping the others`);
    stop(1);
  });
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function indexPage(hostname) {
  const rows = APPS.map((app) => {
    const links = app.paths.map((p) => {
      const url = `http://${hostname}:${app.port}${p}`;
      return `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    });
    return `<li><h2>${escapeHtml(app.name)}</h2><p>${escapeHtml(app.what)}</p><p>${links.join(" · ")}</p></li>`;
  }).join("\n      ");
  return `<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8"/><title>Fenix apps</title>
    <style>body{font-family:system-ui,sans-serif;max-width:48em;margin:2em auto;padding:0 1em}li{list-style:none;margin-bottom:1.5em}h2{margin:0}</style>
  </head>
  <body>
    <h1>Fenix apps</h1>
    <ul class="apps">
      ${rows}
    </ul>
  </body>
</html>
`;
}

const index = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "GET" && path === "/") {
    const hostname = (req.headers.host ?? "localhost").replace(/:\d+$/, "");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(indexPage(hostname));
  } else if (req.method === "GET" && path === "/apps.json") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(APPS.map(({ name, port, paths, what }) => ({ name, port, paths, what }))));
  } else {
    res.writeHead(404, { "content-type": "text/plain" }).end("Not Found\n");
  }
});

index.once("error", (err) => {
  console.error(`[start] cannot serve the index on port ${base}: ${err.message}`);
  stop(1);
});
index.listen(base, () => {
  console.log(`Fenix apps: open http://localhost:${base}`);
  for (const app of APPS) console.log(`  ${app.name.padEnd(13)} http://localhost:${app.port}  ${app.what}`);
});

function stop(code) {
  if (stopping) return;
  stopping = true;
  index.close();
  for (const child of children.values()) child.kill("SIGTERM");
  const deadline = setTimeout(() => {
    for (const child of children.values()) child.kill("SIGKILL");
    process.exit(code);
  }, 12_000);
  const check = setInterval(() => {
    if (children.size > 0) return;
    clearInterval(check);
    clearTimeout(deadline);
    process.exit(code);
  }, 50);
}

for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => stop(0));
