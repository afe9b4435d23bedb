import { compileChannel } from "../channel/compile.js";
import type { CompiledChannel } from "../channel/compile.js";
import { serializerTable } from "../serializer/negotiate.js";
import type { SerializerTable } from "../serializer/negotiate.js";
import type { AnySocket } from "./definition.js";
import { resolveLimits } from "./limits.js";
import type { ResolvedLimits } from "./limits.js";
import { Router } from "./router.js";

/** A socket definition prepared once at mount: routes with compiled channels, limits, serializers. */
export interface CompiledSocket {
  readonly definition: AnySocket;
  readonly name: string;
  readonly router: Router<CompiledChannel>;
  readonly maxChannels: number;
  readonly limits: ResolvedLimits;
  readonly serializers: SerializerTable;
  /** Startup warnings (out handlers that are never intercepted), logged once at mount. */
  readonly warnings: readonly string[];
}

const compiled = new WeakMap<AnySocket, CompiledSocket>();

export function compileSocket(definition: AnySocket): CompiledSocket {
  let socket = compiled.get(definition);
  if (socket !== undefined) return socket;
  const router = new Router(
    definition.channels.map(([pattern, channel, options]) => ({ pattern, channel: compileChannel(channel), options: options as never })),
  );
  const warnings = [...new Set(router.routes.map((route) => route.channel))].flatMap((channel) => channel.warnings);
  const serializers = serializerTable(definition.serializers);
  if (serializers.length === 0) throw new Error(`${definition.name ?? "Socket"}: no serializer with a vsn range to offer`);
  socket = {
    definition,
    name: definition.name ?? "Socket",
    router,
    maxChannels: definition.maxChannels ?? 100,
    limits: resolveLimits(definition.limits),
    serializers,
    warnings,
  };
  compiled.set(definition, socket);
  return socket;
}
