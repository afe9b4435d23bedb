// The `eventsource` npm client: changes reach `onmessage` (unnamed events), the list a "users" listener.
import { EventSource } from "eventsource";
import { afterEach, expect, it } from "vitest";
import { call, startApp } from "./support/app.js";
import type { Running } from "./support/app.js";

const running: Running[] = [];
const sources: EventSource[] = [];
afterEach(async () => {
  for (const s of sources.splice(0)) s.close();
  for (const r of running.splice(0)) await r.stop();
});

it("delivers the list to a `users` listener and each change to onmessage", async () => {
  const r = await startApp();
  running.push(r);
  await call(r.base, "POST", "login", "ann");
  const source = new EventSource(`${r.base}/user-stream`);
  sources.push(source);
  const lists: unknown[] = [];
  const messages: unknown[] = [];
  source.addEventListener("users", (e) => lists.push(JSON.parse(e.data)));
  source.onmessage = (e) => messages.push(JSON.parse(e.data));
  await expect.poll(() => lists).toEqual([{ users: ["ann"] }]);
  await call(r.base, "GET", "login", "yay");
  await call(r.base, "GET", "logout", "ann");
  await expect
    .poll(() => messages)
    .toEqual([
      { action: "add", user: "yay" },
      { action: "del", user: "ann" },
    ]);
  expect(lists).toHaveLength(1);
});
