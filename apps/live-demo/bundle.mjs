import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** Bundles the demo's client into `outdir` (tests call this too, into a temporary directory). */
export async function bundleAssets(outdir) {
  await build({
    entryPoints: [fileURLToPath(new URL("./assets/app.js", import.meta.url))],
    bundle: true,
    format: "iife",
    target: "es2020",
    outdir,
    sourcemap: true,
    logLevel: "warning",
  });
}
