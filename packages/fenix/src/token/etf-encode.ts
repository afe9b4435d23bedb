/** Erlang External Term Format encoder: the `term_to_binary/1` side of tokens. */
import {
  Atom,
  ATOM_EXT,
  ATOM_UTF8_EXT,
  BINARY_EXT,
  EtfError,
  INT32_MAX,
  INT32_MIN,
  INTEGER_EXT,
  LARGE_BIG_EXT,
  LARGE_TUPLE_EXT,
  LIST_EXT,
  MAP_EXT,
  MAX_ATOM_CHARS,
  MAX_DEPTH,
  NEW_FLOAT_EXT,
  NIL_EXT,
  SMALL_ATOM_UTF8_EXT,
  SMALL_BIG_EXT,
  SMALL_INTEGER_EXT,
  SMALL_TUPLE_EXT,
  Tuple,
  VERSION,
} from "./etf-terms.js";
import type { TermInput } from "./etf-terms.js";

class Writer {
  private buf = Buffer.allocUnsafe(64);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf[this.len++] = v;
  }
  u16(v: number): void {
    this.reserve(2);
    this.len = this.buf.writeUInt16BE(v, this.len);
  }
  u32(v: number): void {
    this.reserve(4);
    this.len = this.buf.writeUInt32BE(v, this.len);
  }
  i32(v: number): void {
    this.reserve(4);
    this.len = this.buf.writeInt32BE(v, this.len);
  }
  f64(v: number): void {
    this.reserve(8);
    this.len = this.buf.writeDoubleBE(v, this.len);
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** Encodes a value as `term_to_binary/1` would, including the leading version byte. */
export function encodeTerm(value: TermInput): Buffer {
  const w = new Writer();
  w.u8(VERSION);
  encodeValue(w, value, 0);
  return w.result();
}

function isPlainObject(v: object): v is { readonly [key: string]: TermInput } {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function encodeValue(w: Writer, v: TermInput, depth: number): void {
  if (depth > MAX_DEPTH) throw new EtfError(`term nested deeper than ${MAX_DEPTH} levels (or cyclic)`);
  if (v === null || v === undefined) return encodeAtom(w, "nil");
  switch (typeof v) {
    case "boolean":
      return encodeAtom(w, v ? "true" : "false");
    case "number":
      // Past 2^53 a number is no longer an exact integer (1e300 is "integral"),
      // so it stays a float; exact big integers must be passed as bigint.
      if (Number.isSafeInteger(v)) return encodeInteger(w, v);
      if (!Number.isFinite(v)) throw new EtfError(`cannot encode ${v}: Erlang floats are finite`);
      w.u8(NEW_FLOAT_EXT);
      return w.f64(v);
    case "bigint":
      return encodeInteger(w, v);
    case "string":
      return encodeBinary(w, Buffer.from(v, "utf8"));
  }
  if (v instanceof Atom) return encodeAtom(w, v.name);
  if (v instanceof Uint8Array) return encodeBinary(w, v);
  if (v instanceof Tuple) {
    const n = v.elements.length;
    if (n <= 255) {
      w.u8(SMALL_TUPLE_EXT);
      w.u8(n);
    } else {
      w.u8(LARGE_TUPLE_EXT);
      w.u32(n);
    }
    for (const el of v.elements) encodeValue(w, el, depth + 1);
    return;
  }
  if (Array.isArray(v)) {
    const list = v as readonly TermInput[];
    if (list.length > 0) {
      w.u8(LIST_EXT);
      w.u32(list.length);
      for (const el of list) encodeValue(w, el, depth + 1);
    }
    return w.u8(NIL_EXT);
  }
  if (v instanceof Map) {
    w.u8(MAP_EXT);
    w.u32(v.size);
    for (const [k, val] of v as ReadonlyMap<TermInput, TermInput>) {
      encodeValue(w, k, depth + 1);
      encodeValue(w, val, depth + 1);
    }
    return;
  }
  if (typeof v === "object" && isPlainObject(v)) {
    // Erlang writes small maps with keys in term order (bytewise for binaries);
    // sorting the same way makes our bytes match term_to_binary for them.
    const entries = Object.keys(v).map((k) => [Buffer.from(k, "utf8"), v[k]] as const);
    entries.sort((a, b) => Buffer.compare(a[0], b[0]));
    w.u8(MAP_EXT);
    w.u32(entries.length);
    for (const [k, val] of entries) {
      encodeBinary(w, k);
      encodeValue(w, val, depth + 1);
    }
    return;
  }
  throw new EtfError(`cannot encode value of type ${describe(v)}`);
}

function describe(v: unknown): string {
  if (typeof v !== "object" || v === null) return typeof v;
  return v.constructor?.name ?? "object";
}

function encodeInteger(w: Writer, v: number | bigint): void {
  // Like term_to_binary, the smallest encoding that fits the value is used.
  if (v >= 0 && v <= 255) {
    w.u8(SMALL_INTEGER_EXT);
    return w.u8(Number(v));
  }
  if (v >= INT32_MIN && v <= INT32_MAX) {
    w.u8(INTEGER_EXT);
    return w.i32(Number(v));
  }
  let mag = BigInt(v);
  const sign = mag < 0n ? 1 : 0;
  if (sign) mag = -mag;
  const digits: number[] = [];
  while (mag > 0n) {
    digits.push(Number(mag & 0xffn));
    mag >>= 8n;
  }
  if (digits.length <= 255) {
    w.u8(SMALL_BIG_EXT);
    w.u8(digits.length);
  } else {
    w.u8(LARGE_BIG_EXT);
    w.u32(digits.length);
  }
  w.u8(sign);
  w.bytes(Uint8Array.from(digits));
}

function encodeBinary(w: Writer, bytes: Uint8Array): void {
  w.u8(BINARY_EXT);
  w.u32(bytes.length);
  w.bytes(bytes);
}

function encodeAtom(w: Writer, name: string): void {
  const chars = [...name].length;
  if (chars > MAX_ATOM_CHARS) throw new EtfError(`atom longer than ${MAX_ATOM_CHARS} characters`);
  // OTP 25 writes Latin-1 atoms as ATOM_EXT and only falls back to UTF-8 when it must.
  if (/^[\u0000-\u00ff]*$/.test(name)) {
    w.u8(ATOM_EXT);
    w.u16(name.length);
    return w.bytes(Buffer.from(name, "latin1"));
  }
  const bytes = Buffer.from(name, "utf8");
  if (bytes.length <= 255) {
    w.u8(SMALL_ATOM_UTF8_EXT);
    w.u8(bytes.length);
  } else {
    w.u8(ATOM_UTF8_EXT);
    w.u16(bytes.length);
  }
  w.bytes(bytes);
}
