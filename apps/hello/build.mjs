// Bundles the page's client code (the book's assets/js) with the official phoenix client.
import { build } from "esbuild";

await build({
  entryPoints: ["assets/js/app.js"],
  bundle: true,
  format: "esm",
  target: "es2020",
  outfile: "dist/assets/app.js",
  sourcemap: true,
  logLevel: "warning",
});
