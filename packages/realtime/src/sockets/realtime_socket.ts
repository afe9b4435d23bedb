import { defineSocket, error } from "fenix";
import { V1Serializer, V2Serializer } from "fenix/protocol";
import type { RealtimeAssigns, RealtimeContext } from "../context.js";
import { realtimeChannel } from "../channels/realtime_channel.js";
import { PRIVATE_PREFIX, TOPIC_PREFIX } from "../topics.js";

/** What a refused connect hands the WebSocket transport's error handler. */
export interface ConnectRefusal {
  status: number;
  error: string;
}

/**
 * The socket realtime-js connects to: `?apikey=<jwt>` (or an `x-api-key` header), verified
 * before the upgrade, then `realtime:*` channels — private ones inside the node under their own
 * prefix (see topics.ts).
 */
export function realtimeSocket(ctx: RealtimeContext) {
  const channel = realtimeChannel(ctx);
  return defineSocket<RealtimeAssigns>({
    name: "RealtimeSocket",
    channels: [
      [`${TOPIC_PREFIX}*`, channel],
      [`${PRIVATE_PREFIX}*`, channel],
    ],
    // Our own limit answers first, in Supabase's words; Fenix's stays as the backstop.
    maxChannels: ctx.limits.channelsPerConnection + 1,
    // Fenix's frame-size limit stays above ours, so an oversized payload gets our `system` answer.
    limits: { maxPayloadBytes: Math.max(1_000_000, ctx.limits.maxPayloadBytes + 65_536) },
    // Only what the vsn check needs: the transport hands each connection its own
    // RealtimeSerializer (transport.ts), which these never replace.
    serializers: [V1Serializer, V2Serializer],
    async connect(params, socket, info) {
      const apikey = info.xHeaders["x-api-key"] ?? params.apikey;
      const verified = await ctx.verify(apikey);
      if (!verified.ok) {
        // Fenix logs the refusal itself; the reason is one level down.
        socket.logger.debug({ code: verified.code }, `realtime: refused a connection: ${verified.code}: ${verified.message}`);
        const refusal: ConnectRefusal = { status: 401, error: verified.message };
        return error(refusal);
      }
      socket.assign({ apikey: apikey as string, connection: { channels: 0 } });
    },
  });
}
