import { describe, expect, test } from "vitest";
import { MAX_USERS, addUser, emptyJams, mostPopulatedJamWithCapacityOrNew, removeUser, stats } from "./jam_collection.js";
import type { Jams } from "./jam_collection.js";
import { LOOP_NAMES } from "./loop_cycler.js";

function jamsOf(sizes: Record<string, number>): Jams {
  let jams = emptyJams();
  for (const [id, size] of Object.entries(sizes)) {
    for (let i = 0; i < size; i++) {
      const added = addUser(jams, id, `${id}-user-${i}`, `ref-${i}`);
      if (!added.ok) throw new Error("fixture overflow");
      jams = added.jams;
    }
  }
  return jams;
}

const fresh = () => "new-jam";

describe("mostPopulatedJamWithCapacityOrNew", () => {
  test("no jams → a new jam", () => {
    expect(mostPopulatedJamWithCapacityOrNew(emptyJams(), fresh)).toBe("new-jam");
  });

  test("the most populated jam that still has room", () => {
    expect(mostPopulatedJamWithCapacityOrNew(jamsOf({ a: 2, b: 5, c: 3 }), fresh)).toBe("b");
  });

  test("full jams are passed over", () => {
    expect(mostPopulatedJamWithCapacityOrNew(jamsOf({ a: 7, b: 1, c: 6 }), fresh)).toBe("c");
  });

  test("every jam full → a new jam", () => {
    expect(mostPopulatedJamWithCapacityOrNew(jamsOf({ a: 7, b: 7 }), fresh)).toBe("new-jam");
  });
});

describe("addUser", () => {
  test("adds the user to a new jam with the first loop", () => {
    const added = addUser(emptyJams(), "a", "u1", "r1");
    expect(added).toEqual({ ok: true, loop: "80s_Back_Beat", jams: new Map([["a", [{ userId: "u1", loop: "80s_Back_Beat", ref: "r1" }]]]) });
  });

  test("appends to an existing jam, each user with a different loop", () => {
    const jams = jamsOf({ a: 6 });
    const added = addUser(jams, "a", "u7", "r7");
    if (!added.ok) throw new Error("refused");
    expect(added.loop).toBe("African_Rain_Caxixi");
    expect(added.jams.get("a")?.map((s) => s.loop)).toEqual([...LOOP_NAMES]);
  });

  test("refuses an eighth user", () => {
    const jams = jamsOf({ a: MAX_USERS });
    expect(addUser(jams, "a", "u8", "r8")).toEqual({ ok: false });
  });

  test("a freed loop goes to the next user", () => {
    const jams = removeUser(jamsOf({ a: 4 }), "a", "a-user-1");
    const added = addUser(jams, "a", "late", "r");
    expect(added.ok && added.loop).toBe("Amsterdam_Layers");
  });

  test("a user already seated keeps the seat and loop; the new ref owns it", () => {
    const jams = jamsOf({ a: 7 });
    const again = addUser(jams, "a", "a-user-3", "new-ref");
    if (!again.ok) throw new Error("a rejoin was refused");
    expect(again.loop).toBe("Degenerating_Pitch_Vox");
    expect(removeUser(again.jams, "a", "a-user-3", "ref-3").get("a")).toHaveLength(7);
    expect(removeUser(again.jams, "a", "a-user-3", "new-ref").get("a")).toHaveLength(6);
  });
});

describe("removeUser", () => {
  test("removes the user", () => {
    const jams = removeUser(jamsOf({ a: 2 }), "a", "a-user-0");
    expect(jams.get("a")?.map((s) => s.userId)).toEqual(["a-user-1"]);
  });

  test("an empty jam disappears", () => {
    const jams = removeUser(jamsOf({ a: 1, b: 1 }), "a", "a-user-0");
    expect([...jams.keys()]).toEqual(["b"]);
  });

  test("unknown jams and users change nothing", () => {
    const jams = jamsOf({ a: 1 });
    expect(removeUser(jams, "zzz", "a-user-0")).toBe(jams);
    expect(removeUser(jams, "a", "nobody")).toBe(jams);
  });
});

describe("stats", () => {
  test("counts per jam and in total", () => {
    expect(stats(jamsOf({ a: 3, b: 7 }))).toEqual({ jam_count: 2, user_count: 10, jams: { a: { user_count: 3 }, b: { user_count: 7 } } });
    expect(stats(emptyJams())).toEqual({ jam_count: 0, user_count: 0, jams: {} });
  });
});
