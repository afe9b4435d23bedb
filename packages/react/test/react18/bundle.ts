// Bundles app.tsx for the browser with React 18. The aliases apply to every import in the bundle
// (the hooks' source, react-dom's own `require("react")`), so no React 19 module can slip in; the
// metafile's inputs let the test check that.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("./app.tsx", import.meta.url));

export interface React18Bundle {
  js: string;
  /** Every module in the bundle, relative to the repository root. */
  inputs: string[];
}

export async function bundleReact18App(): Promise<React18Bundle> {
  const result = await build({
    entryPoints: [ENTRY],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    alias: { react: "react-18", "react-dom": "react-dom-18" },
    // React's development build: StrictMode double-invokes effects only there.
    define: { "process.env.NODE_ENV": '"development"' },
    metafile: true,
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error("esbuild produced no output for the React 18 app");
  return { js: output.text, inputs: Object.keys(result.metafile.inputs) };
}
