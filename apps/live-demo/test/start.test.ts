// `npm start`'s server (the built dist/main.js, run as a process): it honours PORT and
// SECRET_KEY_BASE (a random one when unset), refuses a short one, and serves /counter with its bundle.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGTERM");
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function run(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  if (!existsSync(MAIN)) throw new Error("apps/live-demo is not built: run `npm run build -w apps/live-demo`");
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env }, stdio: "pipe" });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function untilListening(output: () => string, exited: Promise<number | null>): Promise<void> {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const deadline = Date.now() + 15_000;
  while (!output().includes("live-demo listening")) {
    if (done) throw new Error(`the server exited: ${output()}`);
    if (Date.now() > deadline) throw new Error(`the server did not start: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("dist/main.js", () => {
  it("listens on PORT and serves the counter and its bundle", async () => {
    const port = await freePort();
    const server = run({ PORT: String(port), SECRET_KEY_BASE: "start-test-secret-key-base-0123456789" });
    await untilListening(server.output, server.exited);
    const page = await fetch(`http://127.0.0.1:${port}/counter`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Current count: \d+/);
    const bundle = await fetch(`http://127.0.0.1:${port}/assets/app.js`);
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).toContain("LiveSocket");
  });

  it("refuses a SECRET_KEY_BASE shorter than 20 characters", async () => {
    const server = run({ PORT: String(await freePort()), SECRET_KEY_BASE: "short" });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain("SECRET_KEY_BASE must be at least 20 characters");
  });

  it("starts without SECRET_KEY_BASE on a random secret, and says so", async () => {
    const port = await freePort();
    const server = run({ PORT: String(port) });
    await untilListening(server.output, server.exited);
    expect(server.output()).toContain("SECRET_KEY_BASE is not set");
    expect((await fetch(`http://127.0.0.1:${port}/counter`)).status).toBe(200);
  });
});
