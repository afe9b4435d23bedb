import { defineChannel, error, noMatch, ok } from "fenix";

/** Elixir's String.to_integer: optional sign, digits only, any size; anything else raises. */
export function toInteger(text: string): bigint {
  if (!/^[+-]?\d+$/.test(text))
    throw new Error(`ArgumentError: errors were found at the given arguments: not a textual representation of an integer: ${JSON.stringify(text)}`);
  return BigInt(text);
}

/** The book's WildcardChannel: `wild:A:B` joins only when B is twice A. */
export const WildcardChannel = defineChannel({
  name: "WildcardChannel",

  join(topic) {
    const numbers = topic.slice("wild:".length).split(":").map(toInteger);
    if (numbers.length === 2 && numbers[1] === numbers[0] * 2n) return ok();
    return error({});
  },

  handleIn(event) {
    if (event === "ping") return ok({ ping: "pong" });
    return noMatch("handleIn", event);
  },
});
