import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { BadRequest, MAX_BATCH_LINES, parseBody, requestToken } from "./longpoll_http.js";

const ndjson = "application/x-ndjson";
const body = (text: string) => Buffer.from(text, "utf8");

describe("parseBody", () => {
  it("treats any other content type as one text frame, and an empty body as none", () => {
    const text = '["1","1","t","e",{}]\n["1","2","t","e",{}]';
    for (const type of [undefined, "", "application/json", "text/plain"]) {
      expect(parseBody(body(text), type)).toStrictEqual([{ binary: false, data: text }]);
    }
    expect(parseBody(body(""), "application/json")).toStrictEqual([]);
  });

  it("splits ndjson on \\n and \\r\\n, skipping empty lines; parameters of the type are ignored", () => {
    const frames = parseBody(body('["a"]\r\n["b"]\n\n["c"]\n'), `${ndjson}; charset=utf-8`);
    expect(frames).toStrictEqual([
      { binary: false, data: '["a"]' },
      { binary: false, data: '["b"]' },
      { binary: false, data: '["c"]' },
    ]);
  });

  it("decodes standard base64 lines as binary frames", () => {
    const frames = parseBody(body("AAEBCgMxNHJvb206bG9iYnliaW4BAgM="), ndjson);
    expect(frames).toHaveLength(1);
    expect(frames[0].binary).toBe(true);
    expect(Buffer.from(frames[0].data).toString("hex")).toBe("0001010a033134726f6f6d3a6c6f62627962696e010203");
  });

  it("keeps only the first 100 lines", () => {
    const lines = Array.from({ length: MAX_BATCH_LINES + 5 }, (_, i) => `["${i}"]`);
    const frames = parseBody(body(lines.join("\n")), ndjson);
    expect(frames).toHaveLength(100);
    expect(frames.at(-1)).toStrictEqual({ binary: false, data: '["99"]' });
  });

  it("refuses a line that is neither a JSON array nor base64, naming it", () => {
    for (const bad of ["{}", "abc", "ab$=", "YWJj=="]) {
      let err: unknown;
      try {
        parseBody(body(`["ok"]\n${bad}`), ndjson);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BadRequest);
      expect((err as BadRequest).httpStatus).toBe(400);
      expect((err as BadRequest).message).toContain("line 2");
    }
  });
});

describe("requestToken", () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it("prefers the x-phoenix-longpoll-token header over the token param", () => {
    expect(requestToken(req({ "x-phoenix-longpoll-token": "H" }), new URL("http://h/lp?token=Q"))).toBe("H");
    expect(requestToken(req({}), new URL("http://h/lp?token=Q"))).toBe("Q");
    expect(requestToken(req({}), new URL("http://h/lp?vsn=2.0.0&"))).toBeNull();
    expect(requestToken(req({ "x-phoenix-longpoll-token": "" }), new URL("http://h/lp?token="))).toBeNull();
  });
});
