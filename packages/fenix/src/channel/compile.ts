import type { AnyChannel } from "./definition.js";
import type { StandardSchemaV1 } from "./schema.js";

/**
 * A channel definition prepared once, when a socket listing it is mounted: its name, its
 * intercept set and its schemas, shared by every instance (per-channel memory is
 * per-connection memory).
 */
export interface CompiledChannel {
  readonly definition: AnyChannel;
  readonly name: string;
  readonly intercepts: ReadonlySet<string>;
  /** Schemas by event, or null when the channel declares none (the common, fast case). */
  readonly schemas: ReadonlyMap<string, StandardSchemaV1> | null;
  /** Out handlers whose events are not intercepted: they would never run (logged at mount). */
  readonly warnings: readonly string[];
}

const compiled = new WeakMap<AnyChannel, CompiledChannel>();

export function compileChannel(definition: AnyChannel): CompiledChannel {
  let channel = compiled.get(definition);
  if (channel !== undefined) return channel;
  const name = definition.name ?? "Channel";
  const intercepts = new Set(definition.intercepts ?? []);
  const entries = Object.entries(definition.schemas ?? {}) as [string, StandardSchemaV1][];
  for (const [event, schema] of entries) {
    if (typeof schema?.["~standard"]?.validate !== "function") {
      throw new TypeError(`${name}: the schema for ${JSON.stringify(event)} is not a Standard Schema (zod, valibot, arktype…)`);
    }
  }
  const warnings: string[] = [];
  const out = definition.handleOut;
  if (out && typeof out !== "function") {
    for (const event of Object.keys(out)) {
      if (!intercepts.has(event)) {
        warnings.push(
          `${name} defines handleOut for ${JSON.stringify(event)} but does not intercept it: add ${JSON.stringify(event)} to intercepts or the handler never runs`,
        );
      }
    }
  }
  channel = { definition, name, intercepts, schemas: entries.length > 0 ? new Map(entries) : null, warnings };
  compiled.set(definition, channel);
  return channel;
}
