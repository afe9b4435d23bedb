/**
 * Erlang External Term Format decoder. It runs on token payloads only after
 * their signature was checked, but stays defensive anyway: a leaked secret must
 * not turn into memory or stack exhaustion, so every declared length is checked
 * against the remaining input before anything is allocated.
 */
import {
  ATOM_EXT,
  ATOM_UTF8_EXT,
  BINARY_EXT,
  EtfError,
  FLOAT_EXT,
  INTEGER_EXT,
  LARGE_BIG_EXT,
  LARGE_TUPLE_EXT,
  LIST_EXT,
  MAP_EXT,
  MAX_DEPTH,
  NEW_FLOAT_EXT,
  NIL_EXT,
  SMALL_ATOM_EXT,
  SMALL_ATOM_UTF8_EXT,
  SMALL_BIG_EXT,
  SMALL_INTEGER_EXT,
  SMALL_TUPLE_EXT,
  STRING_EXT,
  Tuple,
  VERSION,
} from "./etf-terms.js";
import type { TermValue } from "./etf-terms.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }
  need(n: number): void {
    if (n > this.remaining) throw new EtfError(`truncated term: need ${n} bytes at offset ${this.pos}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  take(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/**
 * Decodes a complete `term_to_binary/1` output. Throws `EtfError` on unknown
 * tags, truncation, trailing bytes, improper lists or excessive nesting.
 */
export function decodeTerm(buf: Uint8Array): TermValue {
  const r = new Reader(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  if (r.u8() !== VERSION) throw new EtfError("not an external term (bad version byte)");
  const value = decodeValue(r, 0);
  if (r.remaining !== 0) throw new EtfError(`${r.remaining} trailing bytes after term`);
  return value;
}

function decodeValue(r: Reader, depth: number): TermValue {
  if (depth > MAX_DEPTH) throw new EtfError(`term nested deeper than ${MAX_DEPTH} levels`);
  const tag = r.u8();
  switch (tag) {
    case SMALL_INTEGER_EXT:
      return r.u8();
    case INTEGER_EXT:
      return r.i32();
    case NEW_FLOAT_EXT:
      return r.f64();
    case FLOAT_EXT:
      return decodeOldFloat(r.take(31));
    case SMALL_BIG_EXT:
      return decodeBig(r, r.u8());
    case LARGE_BIG_EXT:
      return decodeBig(r, r.u32());
    case ATOM_EXT:
      return atomValue(r.take(r.u16()).toString("latin1"));
    case SMALL_ATOM_EXT:
      return atomValue(r.take(r.u8()).toString("latin1"));
    case ATOM_UTF8_EXT:
      return atomValue(decodeUtf8(r.take(r.u16())));
    case SMALL_ATOM_UTF8_EXT:
      return atomValue(decodeUtf8(r.take(r.u8())));
    case BINARY_EXT:
      return decodeBinary(r.take(r.u32()));
    case NIL_EXT:
      return [];
    case STRING_EXT:
      return Array.from(r.take(r.u16()));
    case SMALL_TUPLE_EXT:
      return decodeTuple(r, r.u8(), depth);
    case LARGE_TUPLE_EXT:
      return decodeTuple(r, r.u32(), depth);
    case LIST_EXT:
      return decodeList(r, depth);
    case MAP_EXT:
      return decodeMap(r, depth);
    default:
      throw new EtfError(`unsupported term tag ${tag} at offset ${r.pos - 1}`);
  }
}

function atomValue(name: string): TermValue {
  if (name === "nil") return null;
  if (name === "true") return true;
  if (name === "false") return false;
  return name;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new EtfError("atom is not valid UTF-8");
  }
}

function decodeBinary(bytes: Buffer): string | Uint8Array {
  try {
    return utf8.decode(bytes);
  } catch {
    return Uint8Array.from(bytes);
  }
}

function decodeOldFloat(bytes: Buffer): number {
  const end = bytes.indexOf(0);
  const text = bytes.toString("latin1", 0, end === -1 ? bytes.length : end);
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text)) throw new EtfError("malformed FLOAT_EXT");
  const v = Number(text);
  if (!Number.isFinite(v)) throw new EtfError("malformed FLOAT_EXT");
  return v;
}

function decodeBig(r: Reader, n: number): number | bigint {
  const sign = r.u8();
  if (sign > 1) throw new EtfError("malformed big integer sign");
  // Digits are little-endian; reversing a copy gives the big-endian hex BigInt parses.
  const hex = Buffer.from(r.take(n)).reverse().toString("hex");
  let v = hex === "" ? 0n : BigInt(`0x${hex}`);
  if (sign) v = -v;
  const safe = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER);
  return safe ? Number(v) : v;
}

// Every element takes at least one byte, so a count larger than what is left
// is a lie; checking it first keeps hostile counts from allocating.
function checkCount(r: Reader, count: number, bytesPerItem: number): void {
  if (count * bytesPerItem > r.remaining) {
    throw new EtfError(`declared ${count} elements but only ${r.remaining} bytes remain`);
  }
}

function decodeTuple(r: Reader, arity: number, depth: number): Tuple<TermValue> {
  checkCount(r, arity, 1);
  const elements: TermValue[] = [];
  for (let i = 0; i < arity; i++) elements.push(decodeValue(r, depth + 1));
  return new Tuple(elements);
}

function decodeList(r: Reader, depth: number): TermValue[] {
  const count = r.u32();
  checkCount(r, count, 1);
  const out: TermValue[] = [];
  for (let i = 0; i < count; i++) out.push(decodeValue(r, depth + 1));
  if (r.u8() !== NIL_EXT) throw new EtfError("improper lists are not supported");
  return out;
}

function decodeMap(r: Reader, depth: number): { [key: string]: TermValue } {
  const count = r.u32();
  checkCount(r, count, 2);
  const out: { [key: string]: TermValue } = {};
  for (let i = 0; i < count; i++) {
    const key = mapKey(decodeValue(r, depth + 1));
    const value = decodeValue(r, depth + 1);
    // defineProperty, unlike assignment, cannot reach Object.prototype via "__proto__".
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function mapKey(key: TermValue): string {
  if (key === null) return "nil";
  if (typeof key === "string") return key;
  if (typeof key === "number" || typeof key === "bigint" || typeof key === "boolean") return String(key);
  throw new EtfError("map keys must be atoms, strings or numbers");
}
