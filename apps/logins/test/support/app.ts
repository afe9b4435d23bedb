// The logins app in this process on a free port, and HTTP helpers for the tests.
import { createLogger } from "fenix";
import type { PubSubAdapter } from "fenix";
import { createLoginsApp } from "../../src/app.js";
import type { LoginsApp, UserStore } from "../../src/app.js";

export interface Running {
  app: LoginsApp;
  base: string;
  stop(): Promise<void>;
}

export async function startApp(
  options: { redisUrl?: string; redisKey?: string; pubsubAdapter?: PubSubAdapter; nodeName?: string; keepAliveMs?: number; store?: UserStore } = {},
): Promise<Running> {
  const app = await createLoginsApp({ logger: createLogger({ level: "silent" }), ...options });
  const port = await app.listen(0, "127.0.0.1");
  return { app, base: `http://127.0.0.1:${port}`, stop: () => app.close() };
}

/** `GET /api/<op>/<name>` (not following the redirect) or the POST twin; resolves with status, location, body. */
export async function call(base: string, method: "GET" | "POST", op: "login" | "logout", name: string) {
  const res = await fetch(`${base}/api/${op}/${name}`, { method, redirect: "manual" });
  return { status: res.status, location: res.headers.get("location"), body: await res.text() };
}
