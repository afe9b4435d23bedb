const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITIES[c]);

/** The dashboard page: the official phoenix client, a socket joined to `ops:dashboard`, plain DOM and SVG. */
export function dashboardPage(o: { path: string; token: string; node: string }): string {
  const config = JSON.stringify({ socket: `${o.path}/socket`, token: o.token }).replace(/</g, "\\u003c");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>Fenix ops — ${esc(o.node)}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(13em, 1fr)); gap: 1em; }
  .card { border: 1px solid #ddd; border-radius: 6px; padding: .7em 1em; }
  .card .label { font-size: .8em; color: #666; }
  .card .value { font-size: 1.6em; font-variant-numeric: tabular-nums; }
  svg.spark { width: 100%; height: 2.5em; }
  svg.spark polyline { fill: none; stroke: #e05d2b; stroke-width: 2; }
  table { border-collapse: collapse; margin-top: .5em; }
  td, th { padding: .2em .8em; border-bottom: 1px solid #eee; text-align: left; font-variant-numeric: tabular-nums; }
  #status.down { color: #c00; }
  section { margin-top: 1.5em; }
</style>
</head>
<body>
<h1>Fenix ops <small id="node">${esc(o.node)}</small> <small id="status">connecting…</small></h1>
<div class="cards">
  <div class="card"><div class="label">connections</div><div class="value" id="connections">–</div><svg class="spark" id="spark-connections" viewBox="0 0 60 20" preserveAspectRatio="none"><polyline/></svg></div>
  <div class="card"><div class="label">channels</div><div class="value" id="channels-total">–</div><svg class="spark" id="spark-channels" viewBox="0 0 60 20" preserveAspectRatio="none"><polyline/></svg></div>
  <div class="card"><div class="label">messages in / s</div><div class="value" id="messages-in">–</div><svg class="spark" id="spark-in" viewBox="0 0 60 20" preserveAspectRatio="none"><polyline/></svg></div>
  <div class="card"><div class="label">messages out / s</div><div class="value" id="messages-out">–</div><svg class="spark" id="spark-out" viewBox="0 0 60 20" preserveAspectRatio="none"><polyline/></svg></div>
  <div class="card"><div class="label">heap used / RSS (MB)</div><div class="value" id="memory">–</div><svg class="spark" id="spark-heap" viewBox="0 0 60 20" preserveAspectRatio="none"><polyline/></svg></div>
  <div class="card"><div class="label">event-loop delay p99 (ms)</div><div class="value" id="loop-delay">–</div><svg class="spark" id="spark-delay" viewBox="0 0 60 20" preserveAspectRatio="none"><polyline/></svg></div>
</div>
<section><h2>Nodes</h2><table id="nodes"></table></section>
<section><h2>Connections by transport</h2><table id="by-transport"></table></section>
<section><h2>Channels by topic</h2><table id="by-pattern"></table></section>
<section><h2>Presences by topic</h2><table id="presences"></table></section>
<section><h2>Busiest channels</h2><table id="busiest"></table></section>
<script src="${esc(o.path)}/phoenix.js"></script>
<script>
(() => {
  const config = ${config};
  const history = { connections: [], channels: [], in: [], out: [], heap: [], delay: [] };
  const text = (id, v) => { document.getElementById(id).textContent = v; };
  const spark = (id, values) => {
    const max = Math.max(1, ...values);
    const points = values.map((v, i) => (60 - values.length + i) + "," + (20 - (v / max) * 19).toFixed(2)).join(" ");
    document.querySelector("#" + id + " polyline").setAttribute("points", points);
  };
  const push = (key, v) => { history[key].push(v); if (history[key].length > 60) history[key].shift(); };
  const rows = (id, head, list) => {
    const table = document.getElementById(id);
    table.replaceChildren();
    const tr = document.createElement("tr");
    for (const h of head) { const th = document.createElement("th"); th.textContent = h; tr.append(th); }
    table.append(tr);
    for (const cells of list) {
      const row = document.createElement("tr");
      for (const c of cells) { const td = document.createElement("td"); td.textContent = String(c); row.append(td); }
      table.append(row);
    }
  };
  const mb = (b) => (b / 1048576).toFixed(1);
  const socket = new Phoenix.Socket(config.socket, { params: { token: config.token } });
  socket.onOpen(() => { text("status", "live"); document.getElementById("status").className = ""; });
  socket.onClose(() => { text("status", "disconnected"); document.getElementById("status").className = "down"; });
  socket.connect();
  const channel = socket.channel("ops:dashboard", {});
  channel.on("stats", (s) => {
    const channels = Object.values(s.channels).reduce((a, b) => a + b, 0);
    text("connections", s.connections);
    text("channels-total", channels);
    text("messages-in", s.messagesInPerSecond.toFixed(1));
    text("messages-out", s.messagesOutPerSecond.toFixed(1));
    text("memory", mb(s.heapUsed) + " / " + mb(s.rss));
    text("loop-delay", s.eventLoopDelayP99Ms.toFixed(1));
    push("connections", s.connections); push("channels", channels); push("in", s.messagesInPerSecond);
    push("out", s.messagesOutPerSecond); push("heap", s.heapUsed); push("delay", s.eventLoopDelayP99Ms);
    spark("spark-connections", history.connections); spark("spark-channels", history.channels);
    spark("spark-in", history.in); spark("spark-out", history.out); spark("spark-heap", history.heap); spark("spark-delay", history.delay);
    rows("nodes", ["node", "status"], s.nodes.map((n) => [n.name, n.status]));
    rows("by-transport", ["transport", "connections"], Object.entries(s.byTransport));
    rows("by-pattern", ["topic", "channels"], Object.entries(s.channels));
    rows("presences", ["topic", "presences"], s.presences ? Object.entries(s.presences) : [["(presence is off)", ""]]);
    rows("busiest", ["topic", "channel", "messages handled", "queue"], s.busiest.map((b) => [b.pattern, b.channel, b.handled, b.queue]));
    document.body.dataset.updatedAt = String(s.at);
  });
  channel.join().receive("error", (e) => text("status", "refused: " + JSON.stringify(e)));
})();
</script>
</body>
</html>
`;
}
