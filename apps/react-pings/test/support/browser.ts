// Chromium for the SPA's acceptance tests: the launcher apps/hello's tests use.
export { describeDiagnostics, launchChromium, watchPage } from "../../../hello/test/support/browser.js";
export type { PageDiagnostics } from "../../../hello/test/support/browser.js";
