/** Tags, value types and wrappers shared by the ETF encoder and decoder. */

export const VERSION = 131;
export const NEW_FLOAT_EXT = 70;
export const SMALL_INTEGER_EXT = 97;
export const INTEGER_EXT = 98;
export const FLOAT_EXT = 99;
export const ATOM_EXT = 100;
export const SMALL_TUPLE_EXT = 104;
export const LARGE_TUPLE_EXT = 105;
export const NIL_EXT = 106;
export const STRING_EXT = 107;
export const LIST_EXT = 108;
export const BINARY_EXT = 109;
export const SMALL_BIG_EXT = 110;
export const LARGE_BIG_EXT = 111;
export const SMALL_ATOM_EXT = 115;
export const MAP_EXT = 116;
export const ATOM_UTF8_EXT = 118;
export const SMALL_ATOM_UTF8_EXT = 119;

/** Nesting limit for both directions, so that anything we sign we can also verify. */
export const MAX_DEPTH = 100;

export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;
// Erlang refuses atoms longer than 255 characters.
export const MAX_ATOM_CHARS = 255;

/** Thrown for anything the codec cannot represent or parse. */
export class EtfError extends Error {
  override name = "EtfError";
}

/** An Erlang atom, for when a string would be encoded as a binary instead (e.g. `%{data: 1}` keys). */
export class Atom {
  constructor(readonly name: string) {}
}

/** An Erlang tuple. Plain arrays are lists, so tuples need their own wrapper. */
export class Tuple<T = TermInput> {
  readonly elements: readonly T[];
  constructor(elements: readonly T[]) {
    this.elements = elements;
  }
}

/**
 * What `decodeTerm` returns. Binaries become strings when they are valid
 * UTF-8 and `Uint8Array`s otherwise, so raw bytes are never silently mangled.
 */
export type TermValue = null | boolean | number | bigint | string | Uint8Array | Tuple<TermValue> | TermValue[] | { [key: string]: TermValue };

/** What `encodeTerm` accepts. `Map` allows non-string keys such as atoms. */
export type TermInput =
  | TermValue
  | undefined
  | Atom
  | Tuple<TermInput>
  | readonly TermInput[]
  | ReadonlyMap<TermInput, TermInput>
  | { readonly [key: string]: TermInput };
