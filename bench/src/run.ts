// `npm run bench [-- options]`: one run of every scenario against every server, then the reports.
//   --quick                  about a minute: same counts, shorter windows
//   --servers=fenix,ws       a subset of fenix, fenix-nometrics, socketio, ws (fenix-nometrics, named
//                            here, runs in every scenario; by default in fanout and memory only)
//   --scenarios=fanout,rtt   a subset of fanout, memory, join, rtt, launch, presence, cluster, scale (--scenario= is the same)
//   --presence=2000,5000     presence: crowd sizes (each run with coalescing off and at 100 ms)
//   --coalesce=0,100         presence: the coalescing windows to run, in ms
//   --shoppers=N             launch: shoppers watching the sale (default 2000, quick 200)
//   --fanout=10000           fanout subscriber counts (comma-separated)
//   --scale=1x19500,6x100000 scale: runs of NODESxCONNECTIONS (several nodes share one private Redis)
//   --repeat=N               N interleaved rounds; tables show medians and spreads
//   --join-gens=N            generator processes for the join scenario
//   --cpu-prof[=fenix,…]     run these servers (default fenix) under node --cpu-prof and summarise
//   --heap-prof[=fenix,…]    likewise with --heap-prof
//   --name=NAME              basename of the result files (default: latest, quick or partial-…)
//   --out=DIR                default bench/results
//   --readme / --no-readme   update bench/README.md's table (default: only for a complete full run)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runBench } from "./bench.js";
import { type Mode, SCENARIOS, type ScenarioName, preset } from "./config.js";
import { ALL_SERVER_KINDS, GEN_CPU, type ServerKind } from "./control.js";
import { canPin, killAll } from "./procs.js";
import { profileMarkdown } from "./profile.js";
import { goals, markdown, svg } from "./report.js";

const BENCH = fileURLToPath(new URL("../", import.meta.url));

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a} (see bench/README.md)`);
    out.set(m[1], m[2] ?? "");
  }
  return out;
}

function list<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T[]): T[] {
  if (value === undefined || value === "") return fallback;
  const items = value.split(",").map((s) => s.trim()) as T[];
  for (const i of items) if (!allowed.includes(i)) throw new Error(`unknown ${i}: expected one of ${allowed.join(", ")}`);
  return items;
}

const MARK_START = "<!-- bench:results:start -->";
const MARK_END = "<!-- bench:results:end -->";

function updateReadme(table: string, name: string): void {
  const path = join(BENCH, "README.md");
  if (!existsSync(path)) return;
  const text = readFileSync(path, "utf8");
  const a = text.indexOf(MARK_START);
  const b = text.indexOf(MARK_END);
  if (a < 0 || b < a) return;
  const body = `${MARK_START}\n<!-- written by \`npm run bench\` from results/${name}.json -->\n\n![chart](results/${name}.svg)\n\n${table}\n`;
  writeFileSync(path, text.slice(0, a) + body + text.slice(b));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mode: Mode = args.has("quick") ? "quick" : "full";
  const cfg = preset(mode);
  cfg.servers = list<ServerKind>(args.get("servers"), ALL_SERVER_KINDS, cfg.servers);
  if (args.get("servers")) cfg.variantScenarios = [...SCENARIOS];
  if (args.has("scenario") && !args.has("scenarios")) args.set("scenarios", args.get("scenario")!);
  cfg.scenarios = list<ScenarioName>(args.get("scenarios"), SCENARIOS, cfg.scenarios);
  if (args.get("repeat")) cfg.repeat = Math.max(1, Math.min(10, Math.floor(Number(args.get("repeat")) || 1)));
  if (args.get("join-gens")) cfg.join.gens = Number(args.get("join-gens"));
  if (args.get("presence"))
    cfg.presence.clients = args
      .get("presence")!
      .split(",")
      .map((n) => Math.max(2, Math.min(15_000, Math.floor(Number(n) || 2))));
  if (args.get("coalesce"))
    cfg.presence.coalesceMs = args
      .get("coalesce")!
      .split(",")
      .map((n) => Math.max(0, Math.floor(Number(n) || 0)));
  if (args.get("shoppers")) cfg.launch.shoppers = Math.max(1, Math.min(15_000, Math.floor(Number(args.get("shoppers")) || 1)));
  if (args.get("scale"))
    cfg.scale.runs = args
      .get("scale")!
      .split(",")
      .map((run) => {
        const m = /^(\d+)x(\d+)$/.exec(run.trim());
        if (!m) throw new Error(`--scale: expected NODESxCONNECTIONS (e.g. 6x100000), got ${run}`);
        return { nodes: Math.max(1, Math.min(12, Number(m[1]))), connections: Math.max(1, Math.min(200_000, Number(m[2]))) };
      });
  if (args.get("fanout")) cfg.fanout.subscribers = args.get("fanout")!.split(",").map(Number);
  const cpuProfile = args.has("cpu-prof") ? list<ServerKind>(args.get("cpu-prof"), ALL_SERVER_KINDS, ["fenix"]) : [];
  const heapProfile = args.has("heap-prof") ? list<ServerKind>(args.get("heap-prof"), ALL_SERVER_KINDS, ["fenix"]) : [];
  const complete =
    ALL_SERVER_KINDS.every((k) => cfg.servers.includes(k)) &&
    cfg.scenarios.length === SCENARIOS.length &&
    !args.has("fanout") &&
    !args.has("shoppers") &&
    !args.has("scale");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const profiling = cpuProfile.length + heapProfile.length > 0;
  const name = args.get("name") || (complete && !profiling ? (mode === "full" ? "latest" : "quick") : `partial-${stamp}`);
  const out = args.get("out") || join(BENCH, "results");
  mkdirSync(out, { recursive: true });
  const logFile = join(tmpdir(), `fenix-bench-${stamp}.log`);
  const profileDir = profiling ? join(tmpdir(), `fenix-bench-prof-${stamp}`) : undefined;
  console.log(`bench: ${mode} run of ${cfg.scenarios.join(", ")} on ${cfg.servers.join(", ")}; child output in ${logFile}`);

  // The runner relays credit and reads /proc: it belongs on the generators' core, not the server's.
  if (canPin()) spawnSync("taskset", ["-a", "-p", "-c", String(GEN_CPU), String(process.pid)], { stdio: "ignore" });
  const result = await runBench(cfg, { logFile, cpuProfile, heapProfile, profileDir });
  const table = markdown(result);
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify({ ...result, goals: goals(result) }, null, 2)}\n`);
  writeFileSync(join(out, `${name}.md`), table);
  writeFileSync(join(out, `${name}.svg`), svg(result));
  let profiles = "";
  for (const file of result.profiles.filter((f) => f.endsWith(".cpuprofile"))) profiles += `${profileMarkdown(file)}\n`;
  if (profiles) writeFileSync(join(out, `${name}.profiles.md`), profiles);
  const readme = args.has("readme") || (!args.has("no-readme") && name === "latest");
  if (readme) updateReadme(table, name);
  console.log(`\n${table}`);
  if (profiles) console.log(profiles);
  console.log(`bench: wrote ${join(out, name)}.{json,md,svg}${profiles ? " and .profiles.md" : ""}${readme ? " and bench/README.md" : ""}`);
  if (result.profiles.length) console.log(`bench: raw profiles in ${profileDir}`);
  if (result.errors.length) process.exitCode = 1;
}

// Every child dies with the runner, however it ends.
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}: stopping every child`);
    killAll();
    process.exit(130);
  });
}
main().catch((err) => {
  console.error(`bench: ${(err as Error).stack ?? err}`);
  killAll();
  process.exit(1);
});
