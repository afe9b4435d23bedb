// Three processes of dist/main.js on one private Redis: one balancer for all, so the race stays
// safe across nodes, and a killed node's seats come back within the down period.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestRedis, startRedis } from "../../../packages/fenix/test/support/redis.js";
import { type AppProcess, Player, eventually, seat, spawnApp, stats } from "./support/loops.js";

let redis: TestRedis;
const nodes: AppProcess[] = [];
const players: Player[] = [];
const DOWN_MS = 1_500;

beforeAll(async () => {
  redis = await startRedis();
  // Started together: on a loaded machine three cold starts one after another take long.
  nodes.push(
    ...(await Promise.all(
      ["a", "b", "c"].map((name) =>
        spawnApp({
          REDIS_URL: redis.url,
          NODE_NAME: `loops-${name}`,
          DATABASE_URL: "sqlite::memory:",
          TRACKER_BROADCAST_MS: "100",
          TRACKER_DOWN_MS: String(DOWN_MS),
          TRACKER_PERMDOWN_MS: "10000",
        }),
      ),
    )),
  );
}, 90_000);

afterAll(async () => {
  for (const player of players) player.disconnect();
  for (const node of nodes) await node.stop();
  await redis?.stop();
});

describe("three nodes, one Redis", () => {
  test("20 players spread over three nodes joining a jam of six: exactly one admitted", async () => {
    const topic = "jams:cluster-race";
    for (let i = 0; i < 6; i++) players.push(...(await seat(nodes[i % 3].port, topic, 1)));
    const racers = Array.from({ length: 20 }, (_, i) => new Player(nodes[i % 3].port));
    players.push(...racers);
    await Promise.all(racers.map((p) => p.connect()));
    const outcomes = await Promise.all(racers.map((p) => p.join(topic)));
    expect(outcomes.filter((o) => o.status === "ok")).toHaveLength(1);
    const refused = outcomes.filter((o) => o.status === "error");
    expect(refused).toHaveLength(19);
    expect(new Set(refused.map((o) => o.response.new_topic)).size).toBe(1);
    for (const node of nodes) expect((await stats(node.base)).jams["cluster-race"]).toEqual({ user_count: 7 });
  });

  test("players of one jam on different nodes get seven different loops and see each other", async () => {
    const topic = "jams:cluster-loops";
    const seated: Player[] = [];
    for (let i = 0; i < 7; i++) seated.push(...(await seat(nodes[i % 3].port, topic, 1)));
    players.push(...seated);
    for (const player of seated) {
      const loops = await eventually(
        async () => {
          const seen = player.loops();
          return Object.keys(seen).length === 7 ? seen : undefined;
        },
        5_000,
        "everyone in presence",
      );
      expect(Object.keys(loops).sort()).toEqual(seated.map((p) => p.userId).sort());
      expect(new Set(Object.values(loops)).size).toBe(7);
    }
  });

  test("a node killed with SIGKILL loses its seats within the down period", async () => {
    const topic = "jams:cluster-kill";
    const victim = nodes[2];
    players.push(...(await seat(nodes[0].port, topic, 2)));
    players.push(...(await seat(victim.port, topic, 3)));
    expect((await stats(nodes[0].base)).jams["cluster-kill"]).toEqual({ user_count: 5 });
    await victim.kill();
    // Freed once the lease (TTL = the down period) runs out; the bound leaves a loaded machine slack.
    await eventually(async () => (await stats(nodes[0].base)).jams["cluster-kill"]?.user_count === 2, DOWN_MS * 5, "the dead node's seats freed");
    // Their loops are free again: the next player gets the third loop.
    const next = new Player(nodes[1].port);
    players.push(next);
    await next.connect();
    expect((await next.join(topic)).status).toBe("ok");
    await eventually(async () => next.loops()[next.userId!] === "Synthetic_String_Bass", 5_000, "the third loop");
  });
});
