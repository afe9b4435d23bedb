import { randomUUID } from "node:crypto";
import { defineChannel, error, ok, stop } from "fenix";
import type { ChannelSocket, InResult, InfoResult } from "fenix";
import type { Claims } from "../auth.js";
import type { RealtimeAssigns, RealtimeContext } from "../context.js";
import { postgresChangesRefusal, readJoinConfig } from "../join_config.js";
import { countInWindow, takeToken } from "../limits.js";
import { isPrivateTopic, subTopic, wireTopic } from "../topics.js";
import { checkBroadcast } from "./broadcast_message.js";

type Socket = ChannelSocket<RealtimeAssigns>;

const SYNC_PRESENCE = "sync_presence";
const TOKEN_EXPIRED = "token_expired";

/** Supabase's `system` event: what realtime-js hands to `.on("system", {}, cb)`. */
function system(socket: Socket, status: "ok" | "error", message: string): void {
  socket.push("system", { extension: "system", status, message, channel: subTopic(socket.topic) });
}

/** A limit or bad input on a push: a `system` error, and an error reply when the client waits for one. */
function refusePush(socket: Socket, message: string, replies: boolean): InResult {
  socket.logger.info({ topic: socket.topic }, `realtime: refused a push on ${socket.topic}: ${message}`);
  system(socket, "error", message);
  return replies ? error({ reason: message }) : undefined;
}

/** Fatal for the channel (token expired, refresh refused): `system` error, then `phx_close`. */
function shutdown(socket: Socket, message: string): InResult {
  socket.logger.info({ topic: socket.topic }, `realtime: closing ${socket.topic}: ${message}`);
  system(socket, "error", message);
  return stop({ shutdown: message });
}

function scheduleExpiry(ctx: RealtimeContext, socket: Socket, claims: Claims): void {
  socket.assigns.expiry?.cancel();
  socket.assigns.expiry = ctx.wheel.at(claims.exp * 1000, () => socket.send(TOKEN_EXPIRED));
}

/**
 * `realtime:<name>`: Supabase Realtime's channel — Broadcast and Presence, with the join's
 * `config`, token refresh and expiry, private topics through the `authorize` hook.
 */
export function realtimeChannel(ctx: RealtimeContext) {
  const { limits } = ctx;

  async function join(topic: string, payload: unknown, socket: Socket) {
    const reply = await admit(topic, payload, socket);
    // Fenix logs every refused join; the reason is one level down.
    if (reply.status !== "ok") socket.logger.debug({ topic, response: reply.response }, `realtime: refused a join of ${topic}`);
    return reply;
  }

  async function admit(topic: string, payload: unknown, socket: Socket) {
    const name = subTopic(topic);
    if (name === "") return error({ reason: "TopicNameRequired: You must provide a topic name" });
    const config = readJoinConfig(payload);
    if (config.postgresChanges.length > 0) return error({ reason: postgresChangesRefusal(config.postgresChanges) });
    const connection = socket.assigns.connection;
    if (connection.channels >= limits.channelsPerConnection) {
      return error({ reason: `ChannelRateLimitReached: Too many channels (at most ${limits.channelsPerConnection} per connection)` });
    }
    const token = config.accessToken ?? socket.assigns.apikey;
    const verified = await ctx.verify(token);
    if (!verified.ok) return error({ reason: `${verified.code}: ${verified.message}` });
    if (isPrivateTopic(topic) && !(await ctx.authorize(wireTopic(topic), verified.claims))) {
      return error({ reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${name}` });
    }
    socket.assign({
      config,
      claims: verified.claims,
      accessToken: token,
      presenceKey: config.presenceKey || randomUUID(),
      expiry: undefined,
      bucket: { tokens: limits.broadcastBurst, at: Date.now() },
      presenceWindow: { count: 0, resetAt: 0 },
    });
    connection.channels++;
    socket.onEnd(() => {
      connection.channels--;
      socket.assigns.expiry?.cancel();
    });
    scheduleExpiry(ctx, socket, verified.claims);
    if (config.presenceEnabled) socket.send(SYNC_PRESENCE);
    return ok({});
  }

  function broadcast(payload: unknown, socket: Socket): InResult {
    const { self, ack } = socket.assigns.config;
    if (!takeToken(socket.assigns.bucket, limits.broadcastsPerSecond, limits.broadcastBurst, Date.now())) {
      return refusePush(socket, `Too many messages per second (at most ${limits.broadcastsPerSecond} per channel)`, ack);
    }
    const checked = checkBroadcast(payload, limits.maxPayloadBytes);
    if (!checked.ok) return refusePush(socket, checked.message, ack);
    const sent = self ? socket.broadcast("broadcast", checked.payload) : socket.broadcastFrom("broadcast", checked.payload);
    sent.catch((err: unknown) => socket.logger.warn({ err, topic: socket.topic }, `realtime: broadcast on ${socket.topic} did not reach other nodes`));
    return ack ? ok({}) : undefined;
  }

  function presence(payload: unknown, socket: Socket): InResult {
    const body = (payload ?? {}) as { event?: unknown; payload?: unknown };
    const event = typeof body.event === "string" ? body.event.toLowerCase() : "";
    if (event !== "track" && event !== "untrack") return error({ reason: `UnknownPresenceEvent: ${String(body.event)}` });
    if (!countInWindow(socket.assigns.presenceWindow, limits.presenceEventsPerWindow, limits.presenceWindowMs, Date.now())) {
      const per = `${limits.presenceEventsPerWindow} per ${limits.presenceWindowMs / 1000} s`;
      return refusePush(socket, `ClientPresenceRateLimitReached: Client presence rate limit exceeded (at most ${per})`, true);
    }
    const key = socket.assigns.presenceKey;
    if (event === "untrack") {
      socket.presence.untrack(socket, key);
      return ok({});
    }
    const meta = body.payload ?? {};
    if (meta === null || typeof meta !== "object" || Array.isArray(meta)) return error({ reason: "Presence track payload must be a map" });
    const size = Buffer.byteLength(JSON.stringify(meta), "utf8");
    if (size > limits.maxPayloadBytes) return refusePush(socket, `Track message size exceeded: ${size} bytes, the limit is ${limits.maxPayloadBytes}`, true);
    const tracked = socket.presence.track(socket, key, meta as Record<string, unknown>);
    if (!tracked.ok) socket.presence.update(socket, key, meta as Record<string, unknown>);
    return ok({});
  }

  async function accessToken(payload: unknown, socket: Socket): Promise<InResult> {
    const token = (payload as { access_token?: unknown } | null)?.access_token;
    // As Supabase: an `sb_` key, no token or the same token changes nothing.
    if (typeof token !== "string" || token.startsWith("sb_") || token === socket.assigns.accessToken) return undefined;
    const verified = await ctx.verify(token);
    if (!verified.ok) return shutdown(socket, verified.message);
    if (isPrivateTopic(socket.topic) && !(await ctx.authorize(wireTopic(socket.topic), verified.claims))) {
      return shutdown(socket, `You no longer have permission to read from this Channel topic: ${subTopic(socket.topic)}`);
    }
    socket.assign({ claims: verified.claims, accessToken: token });
    scheduleExpiry(ctx, socket, verified.claims);
    return undefined;
  }

  return defineChannel<RealtimeAssigns>({
    name: "RealtimeChannel",
    join,
    handleIn(event, payload, socket) {
      switch (event) {
        case "broadcast":
          return broadcast(payload, socket);
        case "presence":
          return presence(payload, socket);
        case "access_token":
          return accessToken(payload, socket);
        default:
          socket.logger.debug({ topic: socket.topic, event }, `realtime: unexpected ${event} on ${socket.topic}`);
          return error({ reason: `Unexpected message of type ${JSON.stringify(event)}: this server handles broadcast, presence and access_token` });
      }
    },
    async handleInfo(message, socket): Promise<InfoResult> {
      if (message === SYNC_PRESENCE) {
        await socket.presence.pushState(socket);
        return undefined;
      }
      if (message === TOKEN_EXPIRED) {
        // A refresh handled after the wheel fired has already moved the expiry on.
        if (socket.assigns.claims.exp * 1000 > Date.now()) return undefined;
        const ago = Math.max(0, Math.floor(Date.now() / 1000 - socket.assigns.claims.exp));
        return shutdown(socket, `Token has expired ${ago} seconds ago`) as InfoResult;
      }
      return undefined;
    },
  });
}
