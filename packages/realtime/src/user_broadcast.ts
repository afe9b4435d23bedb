/**
 * A user broadcast as it travels on PubSub: `u8 encoding (0 binary, 1 JSON), u8 eventLen, event,
 * payload bytes`. A client's binary push (kind 3) becomes one without parsing its payload, and the
 * V2 fastlane turns it into the client's kind 4 frame by adding the topic — bytes in, bytes out.
 */

export const BINARY = 0;
export const JSON_ENCODING = 1;

const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface UserBroadcast {
  encoding: number;
  event: string;
  bytes: Uint8Array;
}

export function packUserBroadcast(encoding: number, event: string, bytes: Uint8Array): Uint8Array {
  const name = Buffer.from(event, "utf8");
  if (name.length > 255) throw new RangeError(`event names are at most 255 bytes, got ${name.length}`);
  const out = Buffer.allocUnsafe(2 + name.length + bytes.length);
  out[0] = encoding;
  out[1] = name.length;
  name.copy(out, 2);
  out.set(bytes, 2 + name.length);
  return out;
}

/** Reads a packed user broadcast, or null when `packed` is not one. */
export function unpackUserBroadcast(packed: Uint8Array): UserBroadcast | null {
  if (packed.length < 2 || packed[0] > 1 || 2 + packed[1] > packed.length) return null;
  try {
    const event = utf8.decode(packed.subarray(2, 2 + packed[1]));
    return { encoding: packed[0], event, bytes: packed.subarray(2 + packed[1]) };
  } catch {
    return null;
  }
}

/** The JSON value a user broadcast carries, for clients that cannot read binary frames. */
export function userPayloadValue(message: UserBroadcast): unknown {
  if (message.encoding === JSON_ENCODING) return JSON.parse(Buffer.from(message.bytes).toString("utf8"));
  return Buffer.from(message.bytes).toString("base64");
}
