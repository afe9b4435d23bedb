// The app in this process or as child processes of dist/main.js, and jam players on the
// official phoenix client (ws as its WebSocket in Node).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createLogger } from "fenix";
import { Presence, Socket } from "phoenix";
import type { Channel } from "phoenix";
import { WebSocket } from "ws";
import { freePort } from "../../../../packages/fenix/test/support/redis.js";
import { createLoopsApp } from "../../src/app.js";
import type { LoopsApp, LoopsConfig } from "../../src/app.js";

export const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

export interface Running {
  app: LoopsApp;
  port: number;
  base: string;
  stop(): Promise<void>;
}

export async function startApp(options: Partial<LoopsConfig> = {}): Promise<Running> {
  const app = await createLoopsApp({ logger: createLogger({ level: "silent" }), databaseUrl: "sqlite::memory:", ...options });
  const port = await app.listen(0, "127.0.0.1");
  return { app, port, base: `http://127.0.0.1:${port}`, stop: () => app.close() };
}

export interface AppProcess {
  child: ChildProcess;
  port: number;
  base: string;
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: no terminate runs, nothing is cleaned up. */
  kill(): Promise<void>;
}

export async function spawnApp(env: Record<string, string> = {}, inherit = true): Promise<AppProcess> {
  const port = await freePort();
  const base = inherit ? { ...process.env } : { PATH: process.env.PATH ?? "" };
  const child = spawn(process.execPath, [MAIN], { env: { ...base, PORT: String(port), ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`loops exited with ${child.exitCode}\n${out}`);
    try {
      await fetch(`${url}/stats`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`loops did not listen on ${port}\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exit;
  };
  return { child, port, base: url, output: () => out, stop: () => end("SIGTERM"), kill: () => end("SIGKILL") };
}

export type JoinOutcome = { status: "ok"; response: { user_id: string } } | { status: "error" | "timeout"; response: any };

/** One player: a phoenix.js socket of its own (a browser tab), joined to one jam at most. */
export class Player {
  readonly socket: any;
  channel: Channel | undefined;
  presence: Presence | undefined;
  userId: string | undefined;

  constructor(port: number) {
    this.socket = new Socket(`ws://127.0.0.1:${port}/socket`, { transport: WebSocket, timeout: 5_000, reconnectAfterMs: () => 100_000 });
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("socket did not open")), 5_000);
      this.socket.onOpen(() => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.connect();
    });
  }

  /** Joins `topic`; a refusal leaves the channel (no automatic rejoin) and resolves with the reply. */
  join(topic: string): Promise<JoinOutcome> {
    const channel = this.socket.channel(topic, {}) as Channel;
    this.channel = channel;
    this.presence = new Presence(channel);
    return new Promise((resolve) => {
      channel
        .join()
        .receive("ok", (response: { user_id: string }) => {
          this.userId = response.user_id;
          resolve({ status: "ok", response });
        })
        .receive("error", (response: unknown) => {
          channel.leave();
          resolve({ status: "error", response });
        })
        .receive("timeout", (response: unknown) => resolve({ status: "timeout", response }));
    });
  }

  /** user id → loop name, as this player's phoenix.js Presence sees the jam. */
  loops(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [id, loop] of this.presence?.list((key: string, { metas }: { metas: { loop_name: string }[] }) => [key, metas[0].loop_name]) ?? [])
      out[id] = loop;
    return out;
  }

  leave(): Promise<void> {
    return new Promise((resolve) => {
      this.channel?.leave().receive("ok", () => resolve());
    });
  }

  disconnect(): void {
    this.socket.disconnect();
  }
}

/** Connects and joins `topic` with `count` players one after another (so they all get in). */
export async function seat(port: number, topic: string, count: number): Promise<Player[]> {
  const players: Player[] = [];
  for (let i = 0; i < count; i++) {
    const player = new Player(port);
    await player.connect();
    const joined = await player.join(topic);
    if (joined.status !== "ok") throw new Error(`player ${i} could not join ${topic}: ${JSON.stringify(joined)}`);
    players.push(player);
  }
  return players;
}

export async function stats(base: string): Promise<{ jam_count: number; user_count: number; jams: Record<string, { user_count: number }> }> {
  return (await (await fetch(`${base}/stats`)).json()) as any;
}

/** Polls `check` until it is truthy (for state that converges over the network); throws after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
