// The demo in this process (sources via the vitest aliases), with its client bundled by the same
// bundle.mjs the build uses, into a temporary directory.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "fenix";
import { bundleAssets } from "../../bundle.mjs";
import { createLiveDemo } from "../../src/app.js";
import type { LiveDemo } from "../../src/app.js";

export const SECRET = "live-demo-test-secret-key-base-0123456789";

let assets: Promise<string> | undefined;

function bundled(): Promise<string> {
  assets ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "live-demo-assets-"));
    await bundleAssets(dir);
    return dir;
  })();
  return assets;
}

export interface RunningDemo {
  demo: LiveDemo;
  url: string;
  close(): Promise<void>;
}

/** Starts the demo on `port` (default: any free one). */
export async function startDemo(port = 0): Promise<RunningDemo> {
  const demo = createLiveDemo({ logger: createLogger({ name: "live-demo", level: "error" }), secretKeyBase: SECRET, assetsDir: await bundled() });
  port = await demo.listen(port, "127.0.0.1");
  return { demo, url: `http://127.0.0.1:${port}`, close: () => demo.close() };
}
