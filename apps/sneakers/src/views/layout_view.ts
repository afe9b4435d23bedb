import { Safe, html } from "./html.js";

/** Where the shopper's cart is drawn and which cart it is (every page of a session has one). */
export interface LayoutOptions {
  cartId?: string;
}

/** `window.cartId = "…"` with the id as a JSON string, safe inside a script element. */
function cartScript(cartId: string): Safe {
  const literal = JSON.stringify(cartId).replace(/</g, "\\u003c");
  return new Safe(`<script type="text/javascript">window.cartId = ${literal}</script>`);
}

/**
 * The book's layout: title, /css/app.css (Roboto when the machine has it: no font is fetched), the
 * header, the page, the cart's container and id when there is a cart, then /js/app.js.
 *
 * @example
 * layout(html`<main>…</main>`, { cartId })
 */
export function layout(content: Safe, options: LayoutOptions = {}): string {
  return html`<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8"/>
    <meta http-equiv="X-UA-Compatible" content="IE=edge"/>
    <meta name="viewport" content="width=device-width, initial-scale=1.0"/>
    <title>Sneakers23</title>
    <link rel="stylesheet" href="/css/app.css"/>
  </head>
  <body>
    <header>
      <h2>Sneakers23</h2>
    </header>
    <div class="container">
      ${content}
    </div>
${
  options.cartId === undefined
    ? ""
    : html`    <div id="cart-container"></div>
    ${cartScript(options.cartId)}
`
}    <script type="text/javascript" src="/js/app.js"></script>
  </body>
</html>
`.value;
}
