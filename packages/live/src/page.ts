import { escapeHtml } from "./template.js";

/** What a layout gets to build the page around a live view. */
export interface PageParts {
  /** The live view's container with its HTML inside. */
  inner: string;
  /** For `<meta name="csrf-token">`; the app's JS passes it as `params._csrf_token`. */
  csrfToken: string;
  /** The view's `pageTitle` assign, if any. */
  title: string | undefined;
}

export type Layout = (page: PageParts) => string;

/**
 * A minimal HTML page: the CSRF meta tag, the title, the given scripts, the container.
 *
 * @example
 * const layout = defaultLayout({ scripts: ["/assets/app.js"], title: "Demo" });
 */
export function defaultLayout(options: { scripts?: string[]; styles?: string[]; title?: string } = {}): Layout {
  const scripts = (options.scripts ?? []).map((src) => `<script defer type="text/javascript" src="${escapeHtml(src)}"></script>`).join("");
  const styles = (options.styles ?? []).map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join("");
  return ({ inner, csrfToken, title }) =>
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="csrf-token" content="${escapeHtml(csrfToken)}">` +
    `<title>${escapeHtml(title ?? options.title ?? "Fenix Live")}</title>${styles}${scripts}</head>` +
    `<body>${inner}</body></html>\n`;
}

/** The root container the client finds by `[data-phx-session]` (Elixir's `static.ex`). */
export function container(id: string, session: string, staticToken: string, inner: string, main = true): string {
  return (
    `<div id="${escapeHtml(id)}"${main ? " data-phx-main" : ""} data-phx-session="${escapeHtml(session)}" ` +
    `data-phx-static="${escapeHtml(staticToken)}">${inner}</div>`
  );
}
