// Runs the load tool (`cli shoppers`) as a child process, as a person would from a terminal:
// its output is watched line by line, and Ctrl-C is a SIGINT.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { CLI } from "./process.js";

export interface ShoppersRun {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once it matches `pattern` (rejects after `ms` or on exit). */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  /** Ctrl-C, then the exit code. */
  interrupt(): Promise<number>;
  exited: Promise<number>;
  /** Last resort for cleanups. */
  kill(): void;
}

export function runShoppers(args: string[]): ShoppersRun {
  const child = spawn(process.execPath, [CLI, "shoppers", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const listeners = new Set<() => void>();
  const append = (s: string) => {
    out += s;
    for (const l of listeners) l();
  };
  child.stdout?.setEncoding("utf8").on("data", append);
  child.stderr?.setEncoding("utf8").on("data", append);
  const exited = new Promise<number>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  const run: ShoppersRun = {
    child,
    output: () => out,
    exited,
    waitFor(pattern, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = () => {
          if (pattern.test(out)) {
            done();
            resolve(out);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`shoppers: no ${pattern} within ${ms} ms:\n${out}`));
        }, ms);
        void exited.then((code) => {
          if (!pattern.test(out)) {
            done();
            reject(new Error(`shoppers exited (${code}) before ${pattern}:\n${out}`));
          }
        });
        listeners.add(check);
        check();
      });
    },
    async interrupt() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      return exited;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
  return run;
}
