// Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core.
// `npx playwright install` cannot work on CI (no network beyond npm and apt), so the binary
// comes from scripts/ensure-chromium.sh; when it is missing the helper runs that script once
// (bounded) and otherwise fails loudly: a browser test must never be skipped silently.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ENSURE_SCRIPT = fileURLToPath(new URL("../../../../scripts/ensure-chromium.sh", import.meta.url));

/** Upper bound for installing Chromium from apt when it is missing (about 15 s on a warm mirror). */
export const INSTALL_TIMEOUT_MS = 150_000;

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Makes sure the Chromium binary exists, installing it via scripts/ensure-chromium.sh; throws a clear error otherwise. */
export function ensureChromium(): string {
  if (executable(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const run = spawnSync("sh", [ENSURE_SCRIPT], {
    encoding: "utf8",
    timeout: INSTALL_TIMEOUT_MS,
    env: { ...process.env, CHROMIUM_PATH },
  });
  if (executable(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const output = [run.error?.message, run.stdout, run.stderr].filter(Boolean).join("\n").trim();
  throw new Error(
    `Chromium is not available at ${CHROMIUM_PATH} and could not be installed ` +
      `(run scripts/ensure-chromium.sh as root, or set CHROMIUM_PATH). ensure-chromium said:\n${output || "(nothing)"}`,
  );
}

/** Launches headless Chromium (installing it first if needed). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = ensureChromium();
  try {
    return await chromium.launch({ executablePath, args: ARGS, timeout: 30_000 });
  } catch (err) {
    throw new Error(`Chromium at ${executablePath} failed to launch: ${(err as Error).message}`);
  }
}

/** Everything a page printed or threw, for failure messages. */
export interface PageDiagnostics {
  console: string[];
  errors: string[];
  failedRequests: string[];
}

export function watchPage(page: Page): PageDiagnostics {
  const diagnostics: PageDiagnostics = { console: [], errors: [], failedRequests: [] };
  page.on("console", (msg) => diagnostics.console.push(`[${msg.type()}] ${msg.text()}`));
  page.on("pageerror", (err) => diagnostics.errors.push(err.stack ?? err.message));
  page.on("requestfailed", (req) => diagnostics.failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  page.on("response", (res) => {
    if (res.status() >= 400) diagnostics.failedRequests.push(`${res.request().method()} ${res.url()}: HTTP ${res.status()}`);
  });
  return diagnostics;
}

export function describeDiagnostics(d: PageDiagnostics): string {
  const section = (title: string, lines: string[]) => (lines.length ? `\n--- ${title} ---\n${lines.join("\n")}` : "");
  return section("page errors", d.errors) + section("failed requests", d.failedRequests) + section("console", d.console.slice(-40));
}
