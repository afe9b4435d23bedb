// Bundles the browser app (assets/*.ts, with the official phoenix client) and its CSS into
// dist/assets, which the server serves at /assets/.
import { cpSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

mkdirSync("dist/assets", { recursive: true });
cpSync("assets/app.css", "dist/assets/app.css");
await build({
  entryPoints: ["assets/app.ts"],
  bundle: true,
  format: "esm",
  target: "es2020",
  outdir: "dist/assets",
  sourcemap: true,
  logLevel: "warning",
});
