// The tests every cluster adapter passes (Redis, NATS), against a real server the test starts on
// a free port: two or three endpoints (nodes) in one process.
import { Endpoint, type PubSubAdapter, createLogger } from "fenix";
import type { Logger, Subscriber } from "fenix";
import { captureLog } from "fenix/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

/** A private broker: stopped (killed) and restarted on the same port by the outage test. */
export interface TestBroker {
  url: string;
  stop(): Promise<void>;
  restart(downMs?: number): Promise<void>;
}

export interface AdapterUnderTest {
  start(): Promise<TestBroker>;
  adapter(broker: TestBroker, logger: Logger): PubSubAdapter;
}

export function adapterContract(name: string, subject: AdapterUnderTest): void {
  let server: TestBroker;
  const endpoints: Endpoint[] = [];

  beforeAll(async () => {
    server = await subject.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  afterEach(async () => {
    await Promise.all(endpoints.splice(0).map((e) => e.close()));
  });

  async function node(nodeName: string): Promise<Endpoint> {
    const logger = createLogger({ level: "debug" });
    const endpoint = new Endpoint({ nodeName, logger, pubsubAdapter: subject.adapter(server, logger) });
    endpoints.push(endpoint);
    await endpoint.pubsub.start();
    return endpoint;
  }

  function collect(endpoint: Endpoint, topic: string): { received: unknown[]; subscriber: Subscriber } {
    const received: unknown[] = [];
    const subscriber: Subscriber = { deliver: (m) => received.push(m.id === undefined ? [m.event, m.payload] : [m.event, m.payload, m.id]) };
    endpoint.pubsub.subscribe(topic, subscriber);
    return { received, subscriber };
  }

  describe(name, () => {
    it("delivers a broadcast once on every node, the sender's included", async () => {
      const a = await node("a@test");
      const b = await node("b@test");
      const onA = collect(a, "room:1");
      const onB = collect(b, "room:1");
      await a.broadcast("room:1", "msg", { n: 1 });
      await b.broadcast("room:1", "msg", { n: 2 });
      await expect.poll(() => onB.received.length).toBe(2);
      await expect.poll(() => onA.received.length).toBe(2);
      await new Promise((r) => setTimeout(r, 100));
      // Each node sees its own message first (local delivery), so compare as sets.
      const sorted = (r: unknown[]) => [...r].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
      expect(sorted(onA.received)).toEqual([
        ["msg", { n: 1 }],
        ["msg", { n: 2 }],
      ]);
      expect(sorted(onB.received)).toEqual(sorted(onA.received));
    });

    it("excludes only the sending subscriber with broadcastFrom, on every node", async () => {
      const a = await node("a@test");
      const b = await node("b@test");
      const sender = collect(a, "room:2");
      const neighbour = collect(a, "room:2");
      const remote = collect(b, "room:2");
      await a.pubsub.broadcastFrom(sender.subscriber, "room:2", "msg", { n: 1 });
      await expect.poll(() => remote.received.length).toBe(1);
      expect(neighbour.received).toEqual([["msg", { n: 1 }]]);
      expect(sender.received).toEqual([]);
    });

    it("sends direct broadcasts to the named node only", async () => {
      const a = await node("a@test");
      // A dotted host name in a node name must not read as a subject separator (NATS).
      const b = await node("b@host.example");
      const c = await node("c@host.example");
      const onA = collect(a, "t");
      const onB = collect(b, "t");
      const onC = collect(c, "t");
      await a.pubsub.directBroadcast("b@host.example", "t", "hello", { to: "b" });
      await expect.poll(() => onB.received).toEqual([["hello", { to: "b" }]]);
      await new Promise((r) => setTimeout(r, 100));
      expect(onA.received).toEqual([]);
      expect(onC.received).toEqual([]);
    });

    it("carries binary payloads and history ids", async () => {
      const a = await node("a@test");
      const b = await node("b@test");
      a.pubsub.enableHistory("h:*");
      const onB = collect(b, "h:1");
      await a.broadcast("h:1", "bin", new Uint8Array([1, 2, 255]) as unknown as object);
      await expect.poll(() => onB.received.length).toBe(1);
      const [event, payload, id] = onB.received[0] as [string, Uint8Array, string];
      expect(event).toBe("bin");
      expect([...payload]).toEqual([1, 2, 255]);
      expect(id).toMatch(/^.+:1$/);
    });

    it("keeps local delivery and logs while Redis is down, then resumes across nodes after it returns", async () => {
      const a = await node("a@test");
      const b = await node("b@test");
      const onA = collect(a, "room:3");
      const onB = collect(b, "room:3");
      await server.stop();
      const log = await captureLog(async () => {
        await new Promise((r) => setTimeout(r, 100));
        await a.broadcast("room:3", "msg", { during: "outage" });
      });
      expect(onA.received).toEqual([["msg", { during: "outage" }]]);
      expect(log).toMatch(/reached this node only/);
      await server.restart(0);
      await expect
        .poll(
          async () => {
            await a.broadcast("room:3", "msg", { after: "outage" });
            return onB.received.some((r) => JSON.stringify(r).includes("after"));
          },
          { timeout: 10_000, interval: 200 },
        )
        .toBe(true);
      expect(onB.received.some((r) => JSON.stringify(r).includes("during"))).toBe(false);
    });
  });
}
