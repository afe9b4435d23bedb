import { defineChannel, noMatch, ok } from "fenix";

/** For the benchmarks: every join is accepted with `{}`, and `echo` replies with its payload. */
export const BenchChannel = defineChannel({
  name: "BenchChannel",
  handleIn: (event, payload) => (event === "echo" ? ok(payload) : noMatch("handleIn", event)),
});
