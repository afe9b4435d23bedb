// Chromium for the store's acceptance tests: the same launcher as apps/hello's (Debian chromium
// driven by playwright-core, installed by scripts/ensure-chromium.sh when missing).
export { launchChromium, watchPage, describeDiagnostics } from "../../../hello/test/support/browser.js";
