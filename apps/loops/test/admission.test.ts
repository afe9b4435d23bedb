// The race the post describes, over the wire with the official phoenix client: players arriving
// at the same instant into a jam of six never make eight.
import { afterEach, describe, expect, test } from "vitest";
import { WebSocket } from "ws";
import { type Balancer, MemoryBalancer } from "../src/app.js";
import { Player, type Running, eventually, seat, startApp, stats } from "./support/loops.js";

let running: Running | undefined;
const players: Player[] = [];
afterEach(async () => {
  for (const player of players.splice(0)) player.disconnect();
  await running?.stop();
  running = undefined;
});

describe("admission on one node", () => {
  test("20 players joining a jam of six at once: exactly one admitted, 19 sent to one new jam", async () => {
    running = await startApp();
    const topic = `jams:${await running.app.balancer.pick()}`;
    players.push(...(await seat(running.port, topic, 6)));
    const racers = Array.from({ length: 20 }, () => new Player(running!.port));
    players.push(...racers);
    await Promise.all(racers.map((p) => p.connect()));
    const outcomes = await Promise.all(racers.map((p) => p.join(topic)));
    const admitted = outcomes.filter((o) => o.status === "ok");
    const refused = outcomes.filter((o) => o.status === "error");
    expect(admitted).toHaveLength(1);
    expect(refused).toHaveLength(19);
    const newTopics = new Set(refused.map((o) => o.response.new_topic));
    expect(newTopics.size).toBe(1);
    expect([...newTopics][0]).toMatch(/^jams:[0-9a-f-]{36}$/);
    expect(newTopics.has(topic)).toBe(false);
    expect(await stats(running.base)).toEqual({ jam_count: 1, user_count: 7, jams: { [topic.slice(5)]: { user_count: 7 } } });
  });

  test("a player leaving frees both the seat and the loop for the next one", async () => {
    running = await startApp();
    const topic = "jams:leaving";
    const seated = await seat(running.port, topic, 7);
    players.push(...seated);
    const leaver = seated[2];
    const leftId = leaver.userId;
    leaver.disconnect();
    await eventually(async () => (await stats(running!.base)).user_count === 6, 5_000, "the seat freed");
    const next = new Player(running.port);
    players.push(next);
    await next.connect();
    const state = new Promise<any>((resolve) => {
      next.socket.onMessage((m: { event: string; payload: unknown }) => {
        if (m.event === "presence_state") resolve(m.payload);
      });
    });
    expect((await next.join(topic)).status).toBe("ok");
    const presences = await state;
    expect(Object.keys(presences)).not.toContain(leftId);
    expect(presences[next.userId!].metas[0].loop_name).toBe("Synthetic_String_Bass");
    const loops = Object.values(presences).map((p: any) => p.metas[0].loop_name);
    expect(new Set(loops).size).toBe(7);
  });

  test("a connection that closes while its admission is still running leaves no seat behind", async () => {
    const inner = new MemoryBalancer();
    let admitted!: () => void;
    const admitting = new Promise<void>((resolve) => {
      admitted = resolve;
    });
    // A slow balancer (a distant Redis): the admission completes only after the client is gone.
    const balancer: Balancer = {
      description: "slow",
      pick: () => inner.pick(),
      async admit(jamId, userId, ref) {
        await new Promise((r) => setTimeout(r, 200));
        const result = await inner.admit(jamId, userId, ref);
        admitted();
        return result;
      },
      leave: (jamId, userId, ref) => inner.leave(jamId, userId, ref),
      stats: () => inner.stats(),
      claim: (slot) => inner.claim(slot),
      start: () => inner.start(),
      close: () => inner.close(),
    };
    running = await startApp({ balancer });
    const ws = new WebSocket(`ws://127.0.0.1:${running.port}/socket/websocket?vsn=2.0.0`);
    await new Promise((resolve) => ws.once("open", resolve));
    ws.send(JSON.stringify(["1", "1", "jams:slow", "phx_join", {}]));
    ws.close();
    await admitting;
    await eventually(async () => (await stats(running!.base)).user_count === 0, 5_000, "the seat freed");
  });

  test("the page names the jam the balancer picks", async () => {
    running = await startApp();
    const html = await (await fetch(`${running.base}/`)).text();
    const topic = /<meta name="jam-topic" content="(jams:[^"]+)">/.exec(html)?.[1];
    expect(topic).toMatch(/^jams:[0-9a-f-]{36}$/);
    players.push(...(await seat(running.port, topic!, 3)));
    const again = await (await fetch(`${running.base}/`)).text();
    expect(again).toContain(`<meta name="jam-topic" content="${topic}">`);
  });
});
