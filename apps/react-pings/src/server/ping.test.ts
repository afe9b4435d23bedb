import { describe, expect, it } from "vitest";
import { isPingTopic, pingMessage } from "./ping.js";

describe("pingMessage", () => {
  it("is the book's {message, random, node} with random in 1..100000", () => {
    expect(pingMessage("a@host", () => 0)).toEqual({ message: "ping", random: 1, node: "a@host" });
    expect(pingMessage("a@host", () => 0.999_999_999).random).toBe(100_000);
  });

  it("serves ping and other only", () => {
    expect(["ping", "other", "pings", "ping:1", ""].map(isPingTopic)).toEqual([true, true, false, false, false]);
  });
});
