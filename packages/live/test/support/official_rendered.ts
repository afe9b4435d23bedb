// Loads the official client's `Rendered` (phoenix_live_view's own rendered.js, unmodified) into
// Node: esbuild bundles it with its imports into a temporary module.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

export interface OfficialRendered {
  mergeDiff(diff: unknown): void;
  toString(): { buffer: string };
  get(): Record<string, unknown>;
}
export type OfficialRenderedClass = new (viewId: string, rendered: unknown) => OfficialRendered;

let loaded: Promise<OfficialRenderedClass> | undefined;

export function officialRendered(): Promise<OfficialRenderedClass> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    // The package's exports hide its files; its CommonJS build sits in priv/static beside them.
    const main = require.resolve("phoenix_live_view");
    const entry = join(main, "../../..", "assets/js/phoenix_live_view/rendered.js");
    const out = await build({ entryPoints: [entry], bundle: true, format: "esm", platform: "neutral", write: false, logLevel: "silent" });
    const file = join(mkdtempSync(join(tmpdir(), "fenix-live-rendered-")), "rendered.mjs");
    writeFileSync(file, out.outputFiles[0]?.text ?? "");
    return (await import(pathToFileURL(file).href)).default as OfficialRenderedClass;
  })();
  return loaded;
}

/** The official client's HTML for a join `rendered` followed by `diffs`, without its DOM markers. */
export async function officialHtml(rendered: unknown, diffs: unknown[] = []): Promise<string> {
  const Rendered = await officialRendered();
  const tree = new Rendered("phx-test", structuredClone(rendered));
  for (const diff of diffs) tree.mergeDiff(structuredClone(diff));
  return stripMarkers(tree.toString().buffer);
}

/** Removes what the client adds for its patching (magic ids, component tags). */
export function stripMarkers(html: string): string {
  return html.replace(/ data-phx-(id|component|view|skip)(="[^"]*")?/g, "");
}
