import { describe, expect, it } from "vitest";
import { defineChannel } from "../channel/definition.js";
import { Router } from "./router.js";

const named = (name: string) => defineChannel({ name });
const Food = named("Food");
const Foo = named("Foo");
const Exact = named("Exact");
const Room = named("Room");

describe("Router", () => {
  it("matches exact topics only exactly", () => {
    const router = new Router([{ pattern: "lobby", channel: Exact }]);
    expect(router.match("lobby")).toBe(Exact);
    expect(router.match("lobby2")).toBeUndefined();
    expect(router.match("lobb")).toBeUndefined();
    expect(router.match("")).toBeUndefined();
  });

  it("matches splat patterns by prefix, including the bare prefix", () => {
    const router = new Router([{ pattern: "room:*", channel: Room }]);
    expect(router.match("room:lobby")).toBe(Room);
    expect(router.match("room:1:2")).toBe(Room);
    expect(router.match("room:")).toBe(Room);
    expect(router.match("room")).toBeUndefined();
    expect(router.match("xroom:1")).toBeUndefined();
  });

  it("lets the first declared match win (food* before foo*)", () => {
    const router = new Router([
      { pattern: "food*", channel: Food },
      { pattern: "foo*", channel: Foo },
    ]);
    expect(router.match("food")).toBe(Food);
    expect(router.match("foods:1")).toBe(Food);
    expect(router.match("foo")).toBe(Foo);
    expect(router.match("fooz")).toBe(Foo);
  });

  it("lets an earlier splat win over a later exact route, and vice versa", () => {
    const splatFirst = new Router([
      { pattern: "room:*", channel: Room },
      { pattern: "room:lobby", channel: Exact },
    ]);
    expect(splatFirst.match("room:lobby")).toBe(Room);
    const exactFirst = new Router([
      { pattern: "room:lobby", channel: Exact },
      { pattern: "room:*", channel: Room },
    ]);
    expect(exactFirst.match("room:lobby")).toBe(Exact);
    expect(exactFirst.match("room:other")).toBe(Room);
  });

  it("the first of two identical exact routes wins", () => {
    const router = new Router([
      { pattern: "t", channel: Exact },
      { pattern: "t", channel: Room },
    ]);
    expect(router.match("t")).toBe(Exact);
  });

  it("a lone * matches every topic", () => {
    const router = new Router([{ pattern: "*", channel: Room }]);
    expect(router.match("")).toBe(Room);
    expect(router.match("anything")).toBe(Room);
  });

  it.each(["room:*:x", "*room", "a*b*", "**x"])("refuses a splat that is not at the end: %s", (pattern) => {
    expect(() => new Router([{ pattern, channel: Room }])).toThrow("channels using splat patterns must end with *");
  });

  it("keeps the declared routes in order", () => {
    const router = new Router([
      { pattern: "b*", channel: Foo },
      { pattern: "a", channel: Exact },
    ]);
    expect(router.routes.map((r) => r.pattern)).toEqual(["b*", "a"]);
  });
});
