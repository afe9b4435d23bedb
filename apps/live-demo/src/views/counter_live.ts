import { randomInt } from "node:crypto";
import { defineView, html, raw } from "@fenix/live";

// The client runs these JS commands when the connection is lost and when it is back.
const OFFLINE = raw(`<p id="offline" style="display: none" phx-disconnected='[["show",{}]]' phx-connected='[["hide",{}]]'>Reconnecting…</p>`);

/** The book's first live view: a count that starts at random, and two buttons. */
export const CounterLive = defineView<{ count: number }>({
  name: "CounterLive",
  mount(_params, session, socket) {
    // The controller's session carries the start; a live navigation from another page has none.
    const start = Number(session.count);
    socket.assign({ count: Number.isInteger(start) ? start : randomStart(), pageTitle: "Counter" });
  },
  render: ({ count }) => html`<section class="counter">
Current count: ${count}
<button phx-click="dec">-</button>
<button phx-click="inc">+</button>
</section>
<nav><a href="/signup" data-phx-link="redirect" data-phx-link-state="push">Sign up</a></nav>
${OFFLINE}`,
  handleEvent(event, _value, socket) {
    if (event === "inc") socket.update("count", (n) => n + 1);
    else if (event === "dec") socket.update("count", (n) => n - 1);
  },
});

/** A random start up to 100,000 (the book's `:rand.uniform(100_000)`). */
export function randomStart(): number {
  return randomInt(1, 100_001);
}
