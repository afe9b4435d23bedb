// The admin side of the dashboard tests, with the official phoenix client in Node: the admin
// page's token (through Basic Auth), an admin socket whose Presence applies state and diffs the
// way the page does, and cart shoppers on /product_socket whose every frame is kept.
import { randomBytes } from "node:crypto";
import { Presence, Socket } from "phoenix";
import { WebSocket } from "ws";
import { type DashboardCounts, dashboardCounts } from "../../src/admin/dashboard_counts.js";
import { outcome } from "../../../hello/test/support/phoenix.js";
import type { Outcome, PhxChannel, PhxSocket } from "../../../hello/test/support/phoenix.js";
import { eventually } from "./product_client.js";

export const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });

/** `window.adminToken` from the `/admin` page at `base` (http://host:port). */
export async function adminToken(base: string, user = "admin", password = "password"): Promise<string> {
  const response = await fetch(`${base}/admin`, { headers: basic(user, password) });
  const page = await response.text();
  if (response.status !== 200) throw new Error(`GET /admin answered ${response.status}: ${page.slice(0, 200)}`);
  const token = /window\.adminToken = "([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`no window.adminToken in the /admin page:\n${page.slice(0, 500)}`);
  return token;
}

export interface Frame {
  topic: string;
  event: string;
  payload: any;
}

export interface AdminClient {
  socket: PhxSocket;
  channel: PhxChannel;
  /** phoenix.js Presence state (cart id → metas), as the page holds it. */
  state(): Record<string, { metas: any[] }>;
  counts(): DashboardCounts;
  /** Every frame the admin socket received, in order. */
  frames: Frame[];
  /** Resolves once `check(counts)` holds (rejects after `ms` with the last counts). */
  until(what: string, check: (counts: DashboardCounts) => boolean, ms?: number): Promise<DashboardCounts>;
  close(): void;
}

/** Connects to `ws://host/admin_socket` with `token` and joins `admin:cart_tracker`. */
export async function adminClient(wsBase: string, token: string): Promise<AdminClient> {
  const socket = new Socket(`${wsBase}/admin_socket`, {
    transport: WebSocket,
    params: { token },
    timeout: 5_000,
    reconnectAfterMs: () => 100,
    rejoinAfterMs: () => 100,
  }) as unknown as PhxSocket & { onMessage(cb: (m: Frame) => void): void };
  const frames: Frame[] = [];
  socket.onMessage((m) => frames.push({ topic: m.topic, event: m.event, payload: m.payload }));
  socket.connect();
  const channel = socket.channel("admin:cart_tracker");
  const presence = new Presence(channel as never);
  const joined = await outcome(channel.join(), 10_000);
  if (joined.status !== "ok") {
    socket.disconnect();
    throw new Error(`admin:cart_tracker join: ${JSON.stringify(joined)}`);
  }
  const state = () => (presence as unknown as { state: Record<string, { metas: any[] }> }).state;
  const client: AdminClient = {
    socket,
    channel,
    state,
    counts: () => dashboardCounts(state()),
    frames,
    async until(what, check, ms = 15_000) {
      try {
        return await eventually(
          what,
          () => {
            const counts = client.counts();
            return check(counts) ? counts : undefined;
          },
          ms,
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}; last counts ${JSON.stringify(client.counts())}`);
      }
    },
    close: () => socket.disconnect(),
  };
  return client;
}

/** A 64-character cart id, as the store's session makes them. */
export function cartId(): string {
  return randomBytes(48).toString("base64url");
}

export interface CartShopper {
  socket: PhxSocket;
  channel: PhxChannel;
  /** Every frame this shopper's socket received (to prove no presence traffic reaches it). */
  frames: Frame[];
  join(): Promise<Outcome>;
  push(event: string, payload: object): Promise<Outcome>;
  close(): void;
}

/**
 * A tab of cart `id` on `page`, on `ws://host/product_socket`; `serialized` is the stored cart a
 * browser tab would send (default none: an empty cart).
 */
export function cartShopper(wsBase: string, id: string, page: string | undefined, serialized?: string): CartShopper {
  const socket = new Socket(`${wsBase}/product_socket`, { transport: WebSocket, timeout: 5_000, reconnectAfterMs: () => 100 }) as unknown as PhxSocket & {
    onMessage(cb: (m: Frame) => void): void;
  };
  const frames: Frame[] = [];
  socket.onMessage((m) => frames.push({ topic: m.topic, event: m.event, payload: m.payload }));
  socket.connect();
  const channel = socket.channel(`cart:${id}`, { ...(page === undefined ? {} : { page }), ...(serialized === undefined ? {} : { serialized }) });
  return {
    socket,
    channel,
    frames,
    join: () => outcome(channel.join(), 10_000),
    push: (event, payload) => outcome(channel.push(event, payload), 10_000),
    close: () => socket.disconnect(),
  };
}
