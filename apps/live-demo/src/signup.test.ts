import { describe, expect, it } from "vitest";
import { readForm, validate, visibleErrors } from "./signup.js";

describe("signup rules", () => {
  it("requires both fields and a plausible email", () => {
    expect(validate({ name: " ", email: "" })).toEqual({ name: "can't be blank", email: "can't be blank" });
    expect(validate({ name: "Ada", email: "ada@" })).toEqual({ email: "is not a valid email" });
    expect(validate({ name: "Ada", email: "ada@example.com" })).toEqual({});
  });

  it("reads the form and the fields the user has not touched", () => {
    const { form, unused } = readForm({ user: { name: "Ada", email: "", _unused_email: "" } });
    expect(form).toEqual({ name: "Ada", email: "" });
    expect([...unused]).toEqual(["email"]);
    expect(visibleErrors(validate(form), unused)).toEqual({});
    expect(visibleErrors(validate({ name: "", email: "" }), new Set(["email"] as const))).toEqual({ name: "can't be blank" });
  });
});
