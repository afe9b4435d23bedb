import { describe, expect, it } from "vitest";
import { Atom, decodeTerm, EtfError, encodeTerm, MAX_DEPTH, Tuple } from "./etf.js";
import type { TermInput } from "./etf.js";

const hex = (v: TermInput) => encodeTerm(v).toString("hex");
const bytes = (...parts: (number | string)[]) => Buffer.concat(parts.map((p) => (typeof p === "number" ? Buffer.from([p]) : Buffer.from(p, "latin1"))));
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b.toString("latin1");
};

describe("encodeTerm", () => {
  it("picks the integer encoding term_to_binary would", () => {
    expect(hex(0)).toBe("836100");
    expect(hex(255)).toBe("8361ff");
    expect(hex(256)).toBe("836200000100");
    expect(hex(-1)).toBe("8362ffffffff");
    expect(hex(86400)).toBe("836200015180");
    expect(hex(2 ** 31)).toBe("836e040000000080");
    expect(hex(-(2 ** 31))).toBe("836280000000");
    expect(hex(1_700_000_000_000)).toBe("836e06000068e5cf8b01");
    expect(hex(-(2 ** 40))).toBe("836e0601000000000001");
    expect(hex(300n)).toBe("83620000012c");
  });

  it("writes floats, strings, atoms, lists and tuples", () => {
    expect(hex(1.5)).toBe("83463ff8000000000000");
    expect(hex(2 ** 60)).toBe("834643b0000000000000");
    expect(hex("hi")).toBe("836d000000026869");
    expect(hex(true)).toBe("8364000474727565");
    expect(hex(null)).toBe("83640003" + Buffer.from("nil").toString("hex"));
    expect(hex(undefined)).toBe(hex(null));
    expect(hex([])).toBe("836a");
    expect(hex([1, 2])).toBe("836c00000002610161026a");
    expect(hex(new Tuple([1, 2]))).toBe("83680261016102");
    expect(hex(new Atom("ok"))).toBe("836400026f6b");
    expect(hex(new Atom("héllo"))).toBe("83640005" + Buffer.from("héllo", "latin1").toString("hex"));
    expect(hex(new Atom("ω"))).toBe("837702cf89");
  });

  it("uses LARGE_TUPLE_EXT and LARGE_BIG_EXT past 255", () => {
    expect(encodeTerm(new Tuple(new Array(256).fill(0)))[1]).toBe(105);
    expect(encodeTerm(2n ** 2048n)[1]).toBe(111);
  });

  it("orders object keys like Erlang so equal maps encode equally", () => {
    expect(hex({ b: 1, a: 2 })).toBe(hex({ a: 2, b: 1 }));
    expect(hex({ id: 7 })).toBe("8374000000016d0000000269646107");
  });

  it("encodes Maps with non-string keys", () => {
    const term = new Map<TermInput, TermInput>([[new Atom("data"), 1]]);
    expect(hex(term)).toBe("837400000001640004" + Buffer.from("data").toString("hex") + "6101");
  });

  it("rejects what Erlang cannot represent", () => {
    expect(() => encodeTerm(Number.NaN)).toThrow(EtfError);
    expect(() => encodeTerm(Number.POSITIVE_INFINITY)).toThrow(EtfError);
    expect(() => encodeTerm(new Date() as unknown as TermInput)).toThrow(/Date/);
    expect(() => encodeTerm((() => 1) as unknown as TermInput)).toThrow(EtfError);
    expect(() => encodeTerm(new Atom("a".repeat(256)))).toThrow(EtfError);
  });

  it("refuses cyclic and over-deep input instead of overflowing the stack", () => {
    const cyclic: TermInput[] = [];
    cyclic.push(cyclic);
    expect(() => encodeTerm(cyclic)).toThrow(EtfError);
    let deep: TermInput = 1;
    for (let i = 0; i <= MAX_DEPTH; i++) deep = [deep];
    expect(() => encodeTerm(deep)).toThrow(/nested/);
  });
});

describe("round trips", () => {
  const values: TermInput[] = [
    0,
    7,
    255,
    256,
    -1,
    -255,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31),
    -(2 ** 31) - 1,
    2 ** 40,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    2n ** 64n,
    -(2n ** 100n),
    2n ** 4000n,
    0.1,
    -2.5e-300,
    1e300,
    "",
    "plain",
    "ünïcødé ✓ 😀",
    true,
    false,
    null,
    [],
    [1, "two", [3, [4]], null],
    { a: 1, nested: { list: [{ deep: true }], empty: {} }, ключ: "значение" },
    new Tuple(["ok", { id: 1 }]),
  ];
  for (const value of values) {
    it(`${typeof value === "bigint" ? `${value}n`.slice(0, 30) : (JSON.stringify(value) ?? String(value))}`, () => {
      expect(decodeTerm(encodeTerm(value))).toEqual(value);
    });
  }

  it("turns atoms other than nil/true/false into their names", () => {
    expect(decodeTerm(encodeTerm([new Atom("error"), new Atom("nil")]))).toEqual(["error", null]);
  });
});

describe("decodeTerm", () => {
  it("reads every atom encoding", () => {
    expect(decodeTerm(bytes(131, 119, 3, "foo"))).toBe("foo");
    expect(decodeTerm(bytes(131, 119, 3, "nil"))).toBeNull();
    expect(decodeTerm(bytes(131, 119, 4, "true"))).toBe(true);
    expect(decodeTerm(bytes(131, 119, 5, "false"))).toBe(false);
    expect(decodeTerm(Buffer.from([131, 119, 2, 0xcf, 0x89]))).toBe("ω");
    expect(decodeTerm(Buffer.from([131, 118, 0, 3, 0x61, 0x62, 0x63]))).toBe("abc");
    expect(decodeTerm(bytes(131, 115, 2, "ok"))).toBe("ok");
    expect(decodeTerm(Buffer.from([131, 100, 0, 2, 0x6e, 0xe9]))).toBe("né");
  });

  it("reads STRING_EXT as a list of byte values", () => {
    expect(decodeTerm(Buffer.from([131, 107, 0, 3, 1, 2, 200]))).toEqual([1, 2, 200]);
  });

  it("reads the old FLOAT_EXT", () => {
    const text = "1.50000000000000000000e+00".padEnd(31, "\0");
    expect(decodeTerm(bytes(131, 99, text))).toBe(1.5);
    expect(() => decodeTerm(bytes(131, 99, "0x10".padEnd(31, "\0")))).toThrow(EtfError);
  });

  it("keeps small bigs as numbers and large ones as bigint", () => {
    expect(decodeTerm(Buffer.from([131, 110, 1, 1, 5]))).toBe(-5);
    expect(decodeTerm(Buffer.from([131, 111, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1]))).toBe(2n ** 56n);
  });

  it("returns non-UTF-8 binaries as bytes rather than mangling them", () => {
    expect(decodeTerm(Buffer.from([131, 109, 0, 0, 0, 2, 0xff, 0x00]))).toEqual(Uint8Array.from([0xff, 0]));
  });

  it("decodes integer and atom map keys to strings", () => {
    const term = new Map<TermInput, TermInput>([
      [1, "one"],
      [new Atom("nil"), 2],
      [new Atom("key"), 3],
    ]);
    expect(decodeTerm(encodeTerm(term))).toEqual({ "1": "one", nil: 2, key: 3 });
  });

  it("treats a __proto__ key as data, not as the prototype", () => {
    const decoded = decodeTerm(bytes(131, 116, u32(1), 109, u32(9), "__proto__", 116, u32(1), 109, u32(1), "x", 97, 1));
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded as object)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe("decodeTerm on hostile input", () => {
  it("throws EtfError for every truncation of a valid term", () => {
    const full = encodeTerm({ list: [1, 2 ** 40, 1.5, "str", new Tuple([null])] });
    for (let n = 0; n < full.length; n++) expect(() => decodeTerm(full.subarray(0, n))).toThrow(EtfError);
  });

  it("rejects huge declared lengths without allocating", () => {
    const huge = u32(0xffffffff);
    for (const buf of [
      bytes(131, 108, huge, 106),
      bytes(131, 109, huge, "abc"),
      bytes(131, 116, huge, 97, 1, 97, 2),
      bytes(131, 105, huge, 97, 1),
      bytes(131, 111, huge, 0, 1),
    ]) {
      expect(() => decodeTerm(buf)).toThrow(EtfError);
    }
  });

  it("bounds nesting depth", () => {
    const nested = (levels: number) => bytes(131, ...Array.from({ length: levels }, () => [108, u32(1)]).flat(), 106, ...Array(levels).fill(106));
    expect(decodeTerm(nested(MAX_DEPTH))).toBeInstanceOf(Array);
    expect(() => decodeTerm(nested(MAX_DEPTH + 1))).toThrow(/nested/);
    // Far deeper than the JS stack could take if recursion were unbounded.
    const deep = Buffer.concat([Buffer.from([131]), Buffer.alloc(200_000, Buffer.from([104, 1])), Buffer.from([106])]);
    expect(() => decodeTerm(deep)).toThrow(/nested/);
  });

  it("rejects trailing bytes, unknown tags, bad versions and improper lists", () => {
    expect(() => decodeTerm(Buffer.from([131, 97, 1, 0]))).toThrow(/trailing/);
    expect(() => decodeTerm(Buffer.from([131, 77, 0, 0, 0, 1, 8, 0]))).toThrow(/tag 77/);
    expect(() => decodeTerm(Buffer.from([130, 97, 1]))).toThrow(/version/);
    expect(() => decodeTerm(Buffer.from([]))).toThrow(EtfError);
    expect(() => decodeTerm(Buffer.from([131, 108, 0, 0, 0, 1, 97, 1, 97, 2]))).toThrow(/improper/);
    expect(() => decodeTerm(Buffer.from([131, 110, 1, 2, 5]))).toThrow(/sign/);
    expect(() => decodeTerm(Buffer.from([131, 119, 1, 0xff]))).toThrow(/UTF-8/);
  });

  it("rejects compound map keys", () => {
    expect(() => decodeTerm(Buffer.from([131, 116, 0, 0, 0, 1, 106, 97, 1]))).toThrow(/map keys/);
  });
});
