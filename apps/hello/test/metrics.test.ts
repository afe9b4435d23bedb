// HelloSockets' `GET /metrics` (Prometheus), open or behind METRICS_KEY: the connection and
// channel gauges follow the clients of /socket and /auth_socket.
import { describe, expect, it } from "vitest";
import { helloPerTest } from "./support/hello.js";
import { joinFrame, reply } from "./support/wire.js";

const start = helloPerTest();

async function scrape(base: string, key?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}/metrics`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: response.status, text: await response.text() };
}

const gauge = (text: string, series: string) =>
  Number(
    text
      .split("\n")
      .find((l) => l.startsWith(`${series} `))
      ?.split(" ")[1] ?? Number.NaN,
  );

describe("GET /metrics", () => {
  it("is open without METRICS_KEY and counts live connections and channels", async () => {
    const h = await start();
    const client = await h.connect();
    expect(await client.request(joinFrame("1", "ping"))).toEqual(reply("1", "1", "ping", "ok", {}));
    const { status, text } = await scrape(h.base);
    expect(status).toBe(200);
    expect(gauge(text, 'fenix_connections{transport="websocket"}')).toBe(1);
    expect(gauge(text, 'fenix_channels{pattern="ping"}')).toBe(1);
    client.ws.close();
    await expect.poll(async () => (await scrape(h.base)).text.includes('fenix_connections{transport="websocket"}')).toBe(false);
  });

  it("needs Authorization: Bearer $METRICS_KEY when it is set", async () => {
    const h = await start({ metricsKey: "scrape-key" });
    expect((await scrape(h.base)).status).toBe(401);
    expect((await scrape(h.base, "scrape-key")).status).toBe(200);
  });
});
