import type { Serializer } from "./serializer.js";
import { V1Serializer } from "./v1.js";
import { V2Serializer } from "./v2.js";

/** What a socket offers when it lists no serializers: Phoenix's own pair. */
export const DEFAULT_SERIALIZERS: readonly Serializer[] = [V1Serializer, V2Serializer];

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const REQUIREMENT = /^~>\s*(0|[1-9]\d*)\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?$/;

type Version = [number, number, number];

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Elixir's `~>`: `~> 2.0.0` is ≥ 2.0.0 and < 2.1.0; `~> 2.0` is ≥ 2.0.0 and < 3.0.0.
 * Returns a predicate over versions, or throws for a requirement it cannot read.
 */
export function parseRequirement(requirement: string): (version: Version) => boolean {
  const m = REQUIREMENT.exec(requirement.trim());
  if (!m) throw new Error(`serializer vsn requirement must look like "~> 2.0.0" or "~> 2.0", got ${JSON.stringify(requirement)}`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const low: Version = [major, minor, m[3] === undefined ? 0 : Number(m[3])];
  const high: Version = m[3] === undefined ? [major + 1, 0, 0] : [major, minor + 1, 0];
  return (version) => compare(version, low) >= 0 && compare(version, high) < 0;
}

/** A socket's serializers, each with its compiled `vsn` range, in the order listed. */
export type SerializerTable = readonly { serializer: Serializer; accepts: (version: Version) => boolean }[];

export function serializerTable(serializers: readonly Serializer[] = DEFAULT_SERIALIZERS): SerializerTable {
  return serializers
    .filter((serializer) => serializer.vsn !== undefined)
    .map((serializer) => ({ serializer, accepts: parseRequirement(serializer.vsn as string) }));
}

const DEFAULT_TABLE = serializerTable();

/**
 * Picks the serializer for a requested `vsn` the way Phoenix does: the first listed serializer
 * whose range holds it. An absent vsn means 1.0.0; a non-string, unparsable, pre-release or
 * unmatched one returns null, which the transport answers with 403.
 */
export function negotiateSerializer(vsn: unknown, table: SerializerTable = DEFAULT_TABLE): Serializer | null {
  const requested = vsn === undefined ? "1.0.0" : vsn;
  if (typeof requested !== "string") return null;
  const m = SEMVER.exec(requested);
  if (!m || m[4] !== undefined) return null;
  const version: Version = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (const entry of table) if (entry.accepts(version)) return entry.serializer;
  return null;
}

/** The ranges a socket accepts, for the refusal's log line: `~> 1.0.0 or ~> 2.0.0`. */
export function describeTable(table: SerializerTable): string {
  return table.map((entry) => entry.serializer.vsn).join(" or ");
}
