// Test helpers in the spirit of Phoenix.LiveViewTest, over a real socket with the phoenix client.
export { get, live, render, renderChange, renderClick, renderKeyup, renderPatch, renderSubmit, parseContainer } from "./live_view_test.js";
export { JoinError, LiveViewHandle } from "./live_view_test.js";
export type { LiveTestOptions, PageContainer } from "./live_view_test.js";
export { ClientRendered } from "./client_rendered.js";
