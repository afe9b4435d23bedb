// Bundles assets/app.js with the official phoenix and phoenix_live_view clients into dist/assets.
import { bundleAssets } from "./bundle.mjs";

await bundleAssets("dist/assets");
