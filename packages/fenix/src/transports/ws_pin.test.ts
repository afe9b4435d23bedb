// Fenix reads private members of ws (see ws_frame.ts): it must run on exactly the ws version
// ws_private.test.ts checked, never on whatever a caret range resolves to.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect, it } from "vitest";

it("pins ws to one exact version, the one installed", () => {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };
  const pinned = manifest.dependencies.ws;
  expect(pinned, "packages/fenix/package.json must pin ws exactly (no ^ or ~)").toMatch(/^\d+\.\d+\.\d+$/);
  const installed = (createRequire(import.meta.url)("ws/package.json") as { version: string }).version;
  expect(installed).toBe(pinned);
});
