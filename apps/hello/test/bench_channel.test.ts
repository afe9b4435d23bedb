import { channelTest } from "fenix/testing";
import { expect, it } from "vitest";
import { UserSocket, createHelloApp } from "../src/app.js";

const endpoint = createHelloApp({ secretKeyBase: "bench-channel-secret-key-base-0123456789", apiKey: "k" });

it("bench:* accepts every join with {} and echoes payloads back in an ok reply", async () => {
  const t = channelTest({ endpoint });
  const joined = await t.join(t.socket(UserSocket), "bench:anything");
  expect(joined).toMatchObject({ ok: true, reply: {} });
  if (!joined.ok) return;
  const ref = t.push(joined.channel, "echo", { t: 123, pad: "x".repeat(50) });
  await t.assertReply(ref, "ok", { t: 123, pad: "x".repeat(50) });
  await t.cleanup();
});
