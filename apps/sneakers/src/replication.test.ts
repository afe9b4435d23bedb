import { expect, test } from "vitest";
import { PubSub, createLogger } from "fenix";
import { Replication } from "./replication.js";

const logger = createLogger({ name: "test", level: "silent" });

function node(pubsub: PubSub) {
  const applied: string[] = [];
  const replication = new Replication(
    pubsub,
    {
      markProductReleased: async (id, options) => void applied.push(`released ${id} ${options.beingReplicated}`),
      itemSold: async (id, options) => void applied.push(`sold ${id} ${options.beingReplicated}`),
      reload: async () => void applied.push("reload"),
    },
    logger,
  );
  replication.start();
  return { replication, applied };
}

// Two replication servers on one bus stand for two nodes: each change reaches the other only.
test("changes reach the other nodes, never the sender, marked as replicated", () => {
  const pubsub = new PubSub("test");
  const a = node(pubsub);
  const b = node(pubsub);
  a.replication.markProductReleased(1);
  a.replication.itemSold(7);
  b.replication.reload();
  expect(a.applied).toEqual(["reload"]);
  expect(b.applied).toEqual(["released 1 true", "sold 7 true"]);
  expect([a.replication.applied, b.replication.applied]).toEqual([1, 2]);
});

test("a restarted subscriber still receives, once, and still skips its own changes", () => {
  const pubsub = new PubSub("test");
  const a = node(pubsub);
  const b = node(pubsub);
  b.replication.restart();
  a.replication.itemSold(3);
  b.replication.itemSold(4);
  expect(b.applied).toEqual(["sold 3 true"]);
  expect(a.applied).toEqual(["sold 4 true"]);
  expect(pubsub.subscriberCount("inventory_replication")).toBe(2);
});

test("a stopped subscriber receives nothing", () => {
  const pubsub = new PubSub("test");
  const a = node(pubsub);
  const b = node(pubsub);
  b.replication.stop();
  a.replication.itemSold(3);
  expect(b.applied).toEqual([]);
});
