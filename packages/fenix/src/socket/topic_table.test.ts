import { describe, expect, it } from "vitest";
import { TopicTable } from "./topic_table.js";

describe("TopicTable", () => {
  it("behaves as a Map through sets, overwrites and deletes, in insertion order", () => {
    const table = new TopicTable<number>();
    const map = new Map<string, number>();
    const ops: Array<["set", string, number] | ["delete", string]> = [
      ["set", "a", 1],
      ["set", "b", 2],
      ["set", "a", 3],
      ["set", "c", 4],
      ["delete", "a"],
      ["delete", "zz"],
      ["set", "a", 5],
      ["delete", "b"],
      ["delete", "c"],
      ["delete", "a"],
      ["set", "d", 6],
    ];
    for (const op of ops) {
      if (op[0] === "set") {
        table.set(op[1], op[2]);
        map.set(op[1], op[2]);
      } else expect(table.delete(op[1])).toBe(map.delete(op[1]));
      expect([...table.entries()]).toEqual([...map.entries()]);
      expect([...table.keys()]).toEqual([...map.keys()]);
      expect([...table.values()]).toEqual([...map.values()]);
      expect(table.size).toBe(map.size);
      for (const k of ["a", "b", "c", "d", "zz"]) {
        expect(table.get(k)).toBe(map.get(k));
        expect(table.has(k)).toBe(map.has(k));
      }
    }
  });
});
