// Fenix Live: server-rendered live views driven by the official phoenix_live_view client.
export { Live } from "./live.js";
export type { LiveOptions, LiveRouteOptions, PageResult } from "./live.js";
export { defineView, LiveViewSocket } from "./view.js";
export type { Assigns, BroadcastInfo, EventValue, LiveAssigns, LiveView, Navigation } from "./view.js";
export { defineComponent, liveComponent, ComponentSocket } from "./component.js";
export type { ComponentAssigns, LiveComponent } from "./component.js";
export { html, raw, escapeHtml, Template, Raw } from "./template.js";
export { build, diff, full, toHtml } from "./rendered.js";
export type { Json, Node } from "./rendered.js";
export { decodeForm } from "./form.js";
export type { Params } from "./form.js";
export { defaultLayout } from "./page.js";
export type { Layout, PageParts } from "./page.js";
export { LIVEVIEW_VERSION } from "./channel.js";
export { SESSION_MAX_AGE } from "./session.js";
