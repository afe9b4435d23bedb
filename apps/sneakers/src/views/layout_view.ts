import { type Safe, html } from "./html.js";

/** The book's layout: title, /css/app.css (Roboto when the machine has it: no font is fetched), the header, the page, then /js/app.js. */
export function layout(content: Safe): string {
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
    <script type="text/javascript" src="/js/app.js"></script>
  </body>
</html>
`.value;
}
