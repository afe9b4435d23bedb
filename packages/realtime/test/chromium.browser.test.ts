// The real realtime-js, bundled with esbuild as an app would ship it, in headless Chromium's own
// WebSocket: broadcast both ways (JSON and binary) and presence with a Node client.
import { createRequire } from "node:module";
import type { Browser } from "playwright-core";
import { build } from "esbuild";
import { afterAll, beforeAll, expect, it } from "vitest";
import { INSTALL_TIMEOUT_MS, describeDiagnostics, launchChromium, watchPage } from "../../../apps/hello/test/support/browser.js";
import { client, closeClients, eventually, inbox, name, startNode, subscribed, token } from "./support.js";
import type { Node } from "./support.js";

const WAIT = { timeout: 10_000, interval: 50 };
let browser: Browser | undefined;
let node: Node;
let bundle = "";
let apikey: string;

const page = (key: string, topic: string) => `<!doctype html><meta charset="utf-8"><title>realtime</title>
<ul id="log"></ul><p id="status">connecting</p>
<script src="/realtime-js.js"></script>
<script>
  const { RealtimeClient } = RealtimeJs;
  const log = (text) => { const li = document.createElement("li"); li.textContent = text; document.getElementById("log").append(li); };
  const client = new RealtimeClient(location.origin.replace("http", "ws") + "/realtime/v1", { params: { apikey: ${JSON.stringify(key)} } });
  const channel = client.channel(${JSON.stringify(topic)}, { config: { presence: { key: "browser" } } });
  channel
    .on("broadcast", { event: "ping" }, (m) => {
      log("ping " + [...new Uint8Array(m.payload)].join(","));
      channel.send({ type: "broadcast", event: "pong", payload: new Uint8Array([...new Uint8Array(m.payload instanceof ArrayBuffer ? m.payload : [])].reverse()).buffer });
    })
    .on("broadcast", { event: "json" }, (m) => log("json " + JSON.stringify(m.payload)))
    .on("presence", { event: "sync" }, () => { document.getElementById("status").textContent = "present: " + Object.keys(channel.presenceState()).sort().join(","); })
    .subscribe(async (status) => {
      if (status !== "SUBSCRIBED") return;
      await channel.track({ agent: "chromium" });
      channel.send({ type: "broadcast", event: "hello", payload: { from: "chromium" } });
    });
</script>`;

beforeAll(async () => {
  browser = await launchChromium();
  const require = createRequire(import.meta.url);
  const result = await build({
    entryPoints: [require.resolve("@supabase/realtime-js")],
    bundle: true,
    format: "iife",
    globalName: "RealtimeJs",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  bundle = result.outputFiles[0].text;
  apikey = await token();
  const topic = name("browser");
  node = await startNode({
    handler: (req, res) => {
      if (req.url === "/realtime-js.js") res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
      else if (req.url === "/") res.writeHead(200, { "content-type": "text/html" }).end(page(apikey, topic));
      else res.writeHead(404).end();
    },
  });
  (node as Node & { topic: string }).topic = topic;
}, INSTALL_TIMEOUT_MS);
afterAll(async () => {
  await closeClients();
  await browser?.close();
  await node?.endpoint.close();
});

it("realtime-js in Chromium: broadcast JSON and binary both ways, presence with a Node client", async () => {
  const topic = (node as Node & { topic: string }).topic;
  const hello = inbox();
  const pong = inbox();
  const nodeChannel = client(node.url, apikey)
    .channel(topic, { config: { presence: { key: "node" } } })
    .on("broadcast", { event: "hello" }, (m) => hello.push(m))
    .on("broadcast", { event: "pong" }, (m) => pong.push(m))
    .on("presence", { event: "sync" }, () => {});
  await subscribed(nodeChannel);
  await nodeChannel.track({ agent: "node" });
  const tab = await (browser as Browser).newPage();
  const diagnostics = watchPage(tab);
  try {
    await tab.goto(`http://127.0.0.1:${node.port}/`);
    expect(await hello.next()).toEqual({ type: "broadcast", event: "hello", payload: { from: "chromium" } });
    await expect.poll(() => tab.textContent("#status"), WAIT).toBe("present: browser,node");
    await eventually(() => Object.keys(nodeChannel.presenceState()).sort().join() === "browser,node", 10_000, "both presences in Node");
    await nodeChannel.send({ type: "broadcast", event: "json", payload: { n: 1 } });
    await nodeChannel.send({ type: "broadcast", event: "ping", payload: new Uint8Array([1, 2, 3]).buffer });
    const answer = await pong.next();
    expect([...new Uint8Array(answer.payload)]).toEqual([3, 2, 1]);
    await expect.poll(() => tab.$$eval("#log li", (items) => items.map((li) => li.textContent)), WAIT).toEqual(['json {"n":1}', "ping 1,2,3"]);
    expect(diagnostics.errors, describeDiagnostics(diagnostics)).toEqual([]);
  } finally {
    await tab.close();
  }
});
