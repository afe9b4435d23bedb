/**
 * The subset of the Erlang External Term Format that Phoenix.Token payloads
 * need: integers, floats, binaries, atoms, lists, tuples and maps.
 */
export { decodeTerm } from "./etf-decode.js";
export { encodeTerm } from "./etf-encode.js";
export { Atom, EtfError, MAX_DEPTH, Tuple } from "./etf-terms.js";
export type { TermInput, TermValue } from "./etf-terms.js";
