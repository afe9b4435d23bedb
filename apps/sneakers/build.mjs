// Bundles the store's client code (the book's assets/js) with the official phoenix client and
// copies the CSS and the images into dist/public, which the server serves at / .
import { cpSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

mkdirSync("dist/public", { recursive: true });
cpSync("assets/css", "dist/public/css", { recursive: true });
cpSync("assets/images", "dist/public/images", { recursive: true });
await build({
  entryPoints: ["assets/js/app.js", "assets/js/admin.js"],
  bundle: true,
  format: "iife",
  target: "es2020",
  outdir: "dist/public/js",
  sourcemap: true,
  logLevel: "warning",
});
