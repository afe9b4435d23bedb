// The root `npm start` (after the build): an index on PORT linking every app, each app answering
// on its own port, and a clean stop on SIGTERM.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const START = fileURLToPath(new URL("./start.mjs", import.meta.url));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}

/** A base port with the next two free as well (the index, then one port per app). */
async function freeRange(size: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: size }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error("no free port range");
}

test("npm start serves an index linking every app, each on its own port", async () => {
  const base = await freeRange(3);
  const dir = fileURLToPath(new URL("../", import.meta.url));
  const child = spawn(process.execPath, [START], {
    cwd: dir,
    env: { ...process.env, PORT: String(base), DATABASE_URL: `sqlite::memory:`, FENIX_LOG_PRINT: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (out += s));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await expect
      .poll(
        () =>
          /Sneakers23 listening/.test(out) &&
          /HelloSockets listening/.test(out) &&
          /logins listening/.test(out) &&
          /Loops With Friends listening/.test(out) &&
          /react-pings \(production build/.test(out) &&
          /live-demo listening/.test(out),
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
    // The first lines say where everything is.
    expect(out.split("\n")[0]).toBe(`Fenix apps: open http://localhost:${base}`);
    const index = await fetch(`http://127.0.0.1:${base}/`);
    expect(index.status).toBe(200);
    const html = await index.text();
    expect(html).toContain(`href="http://127.0.0.1:${base + 1}/"`);
    expect(html).toContain(`href="http://127.0.0.1:${base + 2}/"`);
    expect(html).toMatch(/HelloSockets[\s\S]*Sneakers23/);
    const apps = (await (await fetch(`http://127.0.0.1:${base}/apps.json`)).json()) as { name: string; port: number }[];
    expect(apps.map((a) => [a.name, a.port])).toEqual([
      ["HelloSockets", base + 1],
      ["Sneakers23", base + 2],
      ["Login tracker", base + 3],
      ["Loops With Friends", base + 4],
      ["React Pings", base + 5],
      ["Fenix Live demo", base + 6],
    ]);
    const hello = await fetch(`http://127.0.0.1:${base + 1}/`);
    expect(hello.status).toBe(200);
    expect(await hello.text()).toContain("<title>");
    const store = await fetch(`http://127.0.0.1:${base + 2}/`);
    expect(store.status).toBe(200);
    expect(await store.text()).toContain("<title>Sneakers23</title>");
    const logins = await fetch(`http://127.0.0.1:${base + 3}/api/users`);
    expect(await logins.json()).toEqual({ users: [] });
    const jam = await (await fetch(`http://127.0.0.1:${base + 4}/`)).text();
    expect(jam).toMatch(/<meta name="jam-topic" content="jams:[0-9a-f-]{36}">/);
    const spa = await fetch(`http://127.0.0.1:${base + 5}/pings`);
    expect(spa.status).toBe(200);
    expect(await spa.text()).toContain('<div id="root">');
    const counter = await fetch(`http://127.0.0.1:${base + 6}/counter`);
    expect(counter.status).toBe(200);
    expect(await counter.text()).toMatch(/data-phx-main[\s\S]*Current count: \d+/);
  } finally {
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }
});
