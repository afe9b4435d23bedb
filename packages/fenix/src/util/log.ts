import { pino } from "pino";
import type { Logger } from "pino";

export type { Logger } from "pino";

type Sink = (line: string) => void;
const sinks = new Set<Sink>();

/**
 * Every Fenix logger writes through this destination so that `captureLog` (fenix/testing) can
 * observe log lines even when printing is switched off, as ExUnit's capture_log does.
 */
const destination = {
  write(line: string): void {
    for (const sink of sinks) sink(line);
    if (printing()) process.stdout.write(line);
  },
};

function printing(): boolean {
  const setting = process.env.FENIX_LOG_PRINT;
  if (setting !== undefined) return setting !== "0" && setting !== "false";
  // Test runs stay quiet unless asked; captured lines are still recorded.
  return !process.env.VITEST;
}

export interface LoggerOptions {
  level?: string;
  name?: string;
}

/** Creates a pino logger wired to the capture hub. Level defaults to env `LOG_LEVEL` or "info". */
export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino({ level: opts.level ?? process.env.LOG_LEVEL ?? "info", name: opts.name, base: undefined }, destination);
}

let shared: Logger | undefined;
export function defaultLogger(): Logger {
  shared ??= createLogger({ name: "fenix" });
  return shared;
}

/** @internal used by fenix/testing */
export function addLogSink(sink: Sink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "fatal" };

/** Renders one pino JSON line as `[level] message` plus the error stack, like Elixir's logger. */
export function formatLogLine(line: string): string {
  try {
    const entry = JSON.parse(line) as { level: number; msg?: string; err?: { stack?: string; message?: string } };
    const level = LEVELS[entry.level] ?? String(entry.level);
    const err = entry.err ? `\n${entry.err.stack ?? entry.err.message ?? ""}` : "";
    return `[${level}] ${entry.msg ?? ""}${err}`;
  } catch {
    return line.trimEnd();
  }
}
