/**
 * Templates as tagged template literals: the literal's strings are the statics, the `${}` values
 * the dynamics, and the interned strings array of each call site is a free fingerprint (what Live
 * EEx computes from a template's source).
 */

/** A rendered-but-not-yet-diffed template: one call site and this call's values. */
export class Template {
  constructor(
    readonly statics: TemplateStringsArray | readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

/** HTML that is inserted as it is, not escaped. */
export class Raw {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

/**
 * A live template. Values are HTML-escaped; nested `html` templates, arrays (comprehensions),
 * `raw()` and `liveComponent()` are kept as structure so only what changed goes to the client.
 *
 * @example
 * const row = (u: User) => html`<li>${u.name}</li>`;
 * const page = html`<ul>${users.map(row)}</ul>`;
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Template {
  return new Template(strings, values);
}

/**
 * Marks trusted HTML that must not be escaped.
 *
 * @example
 * html`<div>${raw(markdownToHtml(post.body))}</div>`
 */
export function raw(value: string): Raw {
  return new Raw(value);
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string);
}

/** A live component placed in a template (see `liveComponent`). */
export class ComponentCall {
  constructor(
    readonly component: object,
    readonly id: string | number,
    readonly assigns: Record<string, unknown>,
  ) {}
}
