// A private nginx for tests: the shipped deploy/nginx/fenix.conf rendered with the test's ports
// into a temp dir, wrapped in a minimal main config, run in the foreground (`daemon off`, pid and
// logs in the temp dir), never the machine's own nginx service.
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const SHIPPED_CONF = fileURLToPath(new URL("../../../../deploy/nginx/fenix.conf", import.meta.url));

/** The nginx binary, or a clear error: these tests never skip. */
export function nginxBinary(): string {
  for (const candidate of ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"]) if (existsSync(candidate)) return candidate;
  try {
    const found = execFileSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" }).trim();
    if (found) return found;
  } catch {
    // not on PATH
  }
  throw new Error(
    "nginx is not installed, so the nginx tests cannot run: install it with `bash scripts/ensure-tools.sh nginx:nginx` (Debian package nginx), or `apt-get install -y nginx`",
  );
}

/**
 * The shipped config with this test's addresses: the upstream's servers point at `backends`
 * (keeping the first server line's parameters), every `listen` becomes `127.0.0.1:<listenPort>`,
 * and logs go to `dir`.
 */
export function renderConf(template: string, options: { listenPort: number; backends: readonly number[]; dir: string }): string {
  const serverLine = /^([ \t]*)server[ \t]+127\.0\.0\.1:\d+([^;\n]*);[ \t]*$/gm;
  const first = serverLine.exec(template);
  if (!first) throw new Error("deploy/nginx/fenix.conf: no `server 127.0.0.1:<port> ...;` line in the upstream");
  const [indent, params] = [first[1], first[2]];
  let rendered = template.replace(serverLine, "\u0000");
  rendered = rendered.replace(/\u0000(\n\u0000)*/, options.backends.map((port) => `${indent}server 127.0.0.1:${port}${params};`).join("\n"));
  if (rendered.includes("\u0000")) throw new Error("deploy/nginx/fenix.conf: the upstream's server lines must be consecutive");
  let listens = 0;
  rendered = rendered.replace(/^([ \t]*)listen[ \t][^;]*;[ \t]*$/gm, (_m, ind: string) =>
    listens++ === 0 ? `${ind}listen 127.0.0.1:${options.listenPort};` : "",
  );
  if (listens === 0) throw new Error("deploy/nginx/fenix.conf: no listen directive");
  rendered = rendered.replace(/^([ \t]*)access_log[ \t]+\S+/gm, (_m, ind: string) => `${ind}access_log ${join(options.dir, "access.log")}`);
  rendered = rendered.replace(/^([ \t]*)error_log[ \t]+\S+/gm, (_m, ind: string) => `${ind}error_log ${join(options.dir, "error.log")}`);
  return rendered;
}

export interface Nginx {
  port: number;
  dir: string;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** `ws://127.0.0.1:<port>/socket` */
  socketUrl: string;
  /** The rendered fenix.conf. */
  conf: string;
  accessLog(): string;
  errorLog(): string;
  stop(): Promise<void>;
}

function mainConf(dir: string, include: string): string {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  return [
    "daemon off;",
    "master_process on;",
    "worker_processes 1;",
    // As root, workers would run as nobody and could not write this private temp dir.
    root ? "user root;" : "",
    `pid ${join(dir, "nginx.pid")};`,
    `error_log ${join(dir, "error.log")} info;`,
    "events { worker_connections 4096; }",
    "http {",
    `  client_body_temp_path ${join(dir, "body")};`,
    `  proxy_temp_path ${join(dir, "proxy")};`,
    `  fastcgi_temp_path ${join(dir, "fastcgi")};`,
    `  uwsgi_temp_path ${join(dir, "uwsgi")};`,
    `  scgi_temp_path ${join(dir, "scgi")};`,
    `  access_log ${join(dir, "access.log")};`,
    `  include ${include};`,
    "}",
    "",
  ].join("\n");
}

function waitPort(port: number, child: ChildProcess, output: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`nginx exited with ${child.exitCode}:\n${output()}`));
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nginx did not listen on ${port} within ${ms} ms:\n${output()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Renders the shipped config for `backends`, checks it with `nginx -t`, and runs nginx on `listenPort`. */
export async function startNginx(options: { listenPort: number; backends: readonly number[] }): Promise<Nginx> {
  const binary = nginxBinary();
  const dir = mkdtempSync(join(tmpdir(), "fenix-nginx-"));
  const conf = renderConf(readFileSync(SHIPPED_CONF, "utf8"), { ...options, dir });
  const confPath = join(dir, "fenix.conf");
  writeFileSync(confPath, conf);
  const main = join(dir, "nginx.conf");
  writeFileSync(main, mainConf(dir, confPath));
  const args = ["-p", dir, "-e", join(dir, "error.log"), "-c", main];
  try {
    execFileSync(binary, [...args, "-t", "-q"], { stdio: "pipe" });
  } catch (err) {
    const e = err as { stderr?: Buffer };
    throw new Error(`nginx -t rejected the rendered deploy/nginx/fenix.conf:\n${e.stderr?.toString() ?? String(err)}\n----\n${conf}`);
  }
  // Its own process group, so a last-resort SIGKILL takes the workers along with the master.
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), "utf8");
    } catch {
      return "";
    }
  };
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // SIGQUIT would wait for open WebSockets; SIGTERM is nginx's fast shutdown.
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 3_000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitPort(options.listenPort, child, () => out + read("error.log"), 5_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    port: options.listenPort,
    dir,
    base: `http://127.0.0.1:${options.listenPort}`,
    socketUrl: `ws://127.0.0.1:${options.listenPort}/socket`,
    conf,
    accessLog: () => read("access.log"),
    errorLog: () => out + read("error.log"),
    stop,
  };
}
