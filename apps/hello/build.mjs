// Bundles the page's client code (the book's assets/js) with the official phoenix client.
import { build } from "esbuild";

await build({
  entryPoints: ["assets/js/app.js", "assets/js/room.js"],
  bundle: true,
  format: "esm",
  target: "es2020",
  outdir: "dist/assets",
  sourcemap: true,
  logLevel: "warning",
});
