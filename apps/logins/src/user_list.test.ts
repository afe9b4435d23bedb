import { describe, expect, it } from "vitest";
import { addUser, delUser, nameError, validName } from "./user_list.js";

describe("addUser", () => {
  it("puts a new user first and reports a change", () => {
    expect(addUser([], "yay")).toEqual({ users: ["yay"], changed: true });
    expect(addUser(["ann"], "yay")).toEqual({ users: ["yay", "ann"], changed: true });
  });

  it("keeps the list as it is for a user already present", () => {
    const users = ["yay", "ann"];
    expect(addUser(users, "ann")).toEqual({ users: ["yay", "ann"], changed: false });
    expect(users).toEqual(["yay", "ann"]);
  });
});

describe("delUser", () => {
  it("removes a present user and reports a change", () => {
    expect(delUser(["yay", "ann", "bob"], "ann")).toEqual({ users: ["yay", "bob"], changed: true });
  });

  it("reports no change for an absent user", () => {
    expect(delUser(["ann"], "yay")).toEqual({ users: ["ann"], changed: false });
    expect(delUser([], "yay")).toEqual({ users: [], changed: false });
  });
});

describe("validName", () => {
  it("accepts 1-64 letters, digits, _, - and .", () => {
    for (const name of ["yay", "a", "A.b-c_9", "x".repeat(64)]) expect(validName(name), name).toBe(true);
  });

  it("refuses empty, too long, other characters and non-strings", () => {
    for (const name of ["", "x".repeat(65), "a b", "a/b", "é", "<b>", "a\n", "%20", undefined, 3]) expect(validName(name), String(name)).toBe(false);
  });

  it("explains the rule, quoting at most 80 characters of the name", () => {
    expect(nameError("a b")).toBe('invalid user name "a b": use 1-64 letters, digits, "_", "-" or "."');
    expect(nameError("x".repeat(500)).length).toBeLessThan(160);
  });
});
