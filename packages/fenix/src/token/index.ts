export { generateSecret, sign, Tokens, verify } from "./token.js";
export type { SignOptions, TokenError, VerifyOptions, VerifyResult } from "./token.js";
export { Atom, decodeTerm, EtfError, encodeTerm, Tuple } from "./etf.js";
export type { TermInput, TermValue } from "./etf.js";
