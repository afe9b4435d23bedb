// Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions and files by self time.
//   node bench/dist/profile.js <file.cpuprofile> [top=25]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  where: string;
  selfMs: number;
  pct: number;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function shortUrl(url: string): string {
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path || "(native)";
}

export interface Summary {
  totalMs: number;
  functions: ProfileLine[];
  files: ProfileLine[];
  /** The longest stretches of consecutive garbage-collector samples (ms): pauses that tail latency meets. */
  gcPausesMs: number[];
}

export function summarize(file: string, top = 25): Summary {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time *before* sample i; attributing it to sample i is what DevTools does.
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  let total = 0;
  const fns = new Map<string, ProfileLine>();
  const files = new Map<string, ProfileLine>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const where = shortUrl(n.callFrame.url);
    const name = n.callFrame.functionName || "(anonymous)";
    const key = `${name}@${where}:${n.callFrame.lineNumber + 1}`;
    const f = fns.get(key) ?? { name, where: n.callFrame.url ? `${where}:${n.callFrame.lineNumber + 1}` : where, selfMs: 0, pct: 0 };
    f.selfMs += us / 1000;
    fns.set(key, f);
    const fileKey = n.callFrame.url ? where : name;
    const g = files.get(fileKey) ?? { name: fileKey, where: "", selfMs: 0, pct: 0 };
    g.selfMs += us / 1000;
    files.set(fileKey, g);
  }
  const rank = (m: Map<string, ProfileLine>) =>
    [...m.values()]
      .map((x) => ({ ...x, pct: total > 0 ? (100 * x.selfMs * 1000) / total : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  const gcPausesMs: number[] = [];
  let run = 0;
  for (let i = 0; i < p.samples.length; i++) {
    if (byId.get(p.samples[i])?.callFrame.functionName === "(garbage collector)") run += p.timeDeltas[i] ?? 0;
    else if (run > 0) {
      gcPausesMs.push(run / 1000);
      run = 0;
    }
  }
  gcPausesMs.sort((a, b) => b - a);
  return { totalMs: total / 1000, functions: rank(fns), files: rank(files), gcPausesMs: gcPausesMs.slice(0, 10) };
}

export function profileMarkdown(file: string, top = 25): string {
  const s = summarize(file, top);
  const L = [`Profile \`${shortUrl(file)}\`: ${Math.round(s.totalMs)} ms sampled.`, "", "| Self ms | Self % | Function | Where |", "|---:|---:|---|---|"];
  for (const f of s.functions) L.push(`| ${f.selfMs.toFixed(0)} | ${f.pct.toFixed(1)} | \`${f.name}\` | ${f.where} |`);
  L.push("", "| Self ms | Self % | File (or V8 bucket) |", "|---:|---:|---|");
  for (const f of s.files.slice(0, 15)) L.push(`| ${f.selfMs.toFixed(0)} | ${f.pct.toFixed(1)} | ${f.name} |`);
  L.push("", `Longest garbage-collector stretches (ms): ${s.gcPausesMs.map((x) => x.toFixed(1)).join(", ") || "none"}.`);
  return `${L.join("\n")}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node bench/dist/profile.js <file.cpuprofile> [top]");
    process.exit(2);
  }
  process.stdout.write(profileMarkdown(file, Number(top ?? 25)));
}
