// Runs the built store (apps/sneakers/dist/main.js) or its CLI as child processes.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../hello/test/support/process.js";

export { freePort };

export const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
export const API_KEY = "test-api-key";
export const SECRET_KEY_BASE = "test-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz";

export interface SneakersProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output(): string;
  /** Resolves once the output matches `pattern` (rejects after `ms`, with the output). */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `ms`. */
  stop(ms?: number): Promise<void>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
}

/**
 * Starts a store node on `port` (a free one by default) and waits until it listens. The
 * environment is this process's plus `env` (undefined deletes a variable).
 */
export async function startSneakers(env: Record<string, string | undefined> = {}, options: { port?: number; waitFor?: RegExp } = {}): Promise<SneakersProcess> {
  const port = options.port ?? (await freePort());
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    FENIX_LOG_PRINT: "1",
    LOG_LEVEL: "info",
    PORT: String(port),
    API_KEY,
    SECRET_KEY_BASE,
  };
  delete merged.VITEST;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const child = spawn(process.execPath, [MAIN], { env: merged, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const listeners = new Set<() => void>();
  const append = (s: string) => {
    out += s;
    for (const l of listeners) l();
  };
  child.stdout?.setEncoding("utf8").on("data", append);
  child.stderr?.setEncoding("utf8").on("data", append);
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const waitFor = (pattern: RegExp, ms = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out)) {
          done();
          resolve();
        }
      };
      const onExit = () => {
        done();
        reject(new Error(`store exited before ${pattern}:\n${out}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} within ${ms} ms:\n${out}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off("exit", onExit);
      };
      listeners.add(check);
      child.once("exit", onExit);
      check();
    });
  const proc: SneakersProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    waitFor,
    async stop(ms = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), ms);
      await exit;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exit;
    },
  };
  await waitFor(options.waitFor ?? /Sneakers23 listening/);
  return proc;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the operator CLI against `url` and resolves with its exit code and output. */
export function runCli(url: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, "--url", url], {
      env: { ...process.env, API_KEY, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Calls the operator API directly (JSON in, JSON out). */
export async function operator(url: string, method: string, path: string, body?: object): Promise<{ status: number; json: any }> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

/** Polls `GET url` until it answers `status` (rejects after `ms`). */
export async function waitForStatus(url: string, status: number, ms = 20_000): Promise<Response> {
  const deadline = Date.now() + ms;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === status) return response;
      last = `HTTP ${response.status}`;
      await response.arrayBuffer();
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${ms} ms (last: ${last})`);
}
