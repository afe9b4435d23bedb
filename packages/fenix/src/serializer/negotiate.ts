import type { Serializer } from "./types.js";
import { V1Serializer } from "./v1.js";
import { V2Serializer } from "./v2.js";

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * Picks the serializer for a requested `vsn` the way Phoenix does (`~> 1.0.0` → V1,
 * `~> 2.0.0` → V2). An absent vsn means 1.0.0; a non-string, unparsable or unmatched one
 * returns null, which the transport answers with 403.
 */
export function negotiateSerializer(vsn: unknown): Serializer | null {
  if (vsn === undefined) return V1Serializer;
  if (typeof vsn !== "string") return null;
  const m = SEMVER.exec(vsn);
  if (!m || m[4] !== undefined) return null;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major === 1 && minor === 0) return V1Serializer;
  if (major === 2 && minor === 0) return V2Serializer;
  return null;
}
