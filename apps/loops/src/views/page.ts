// GET / : the page of one jam. The balancer's choice travels in <meta name="jam-topic">, the
// server's clock in <meta name="server-time"> (the first estimate of the shared measure grid).

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/**
 * The page's HTML. Everything the browser app changes carries a stable id or class and
 * `data-loop-name` / `data-state`, so tests can read it.
 *
 * @example
 * renderPage({ topic: "jams:6f1c…", now: Date.now() });
 */
export function renderPage({ topic, now }: { topic: string; now: number }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Loops With Friends</title>
<meta name="jam-topic" content="${escapeHtml(topic)}">
<meta name="server-time" content="${now}">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<div id="welcome" class="welcome" role="dialog" aria-modal="true" aria-labelledby="welcome-title">
  <div class="welcome__box">
    <h1 id="welcome-title">Loops With Friends</h1>
    <p>Up to seven friends, one loop each, always in time. Press play and your loop starts with the next measure.</p>
    <button id="lets-jam" type="button">Let's Jam</button>
  </div>
</div>
<main id="app" data-status="connecting">
  <header class="masthead"><h1>Loops With Friends</h1></header>
  <section id="your-loop" aria-labelledby="your-loop-title">
    <h2 id="your-loop-title">Your Loop</h2>
    <div id="own-loop" class="loop loop--own" data-loop-name="" data-state="idle">
      <span class="loop__name">Joining a jam…</span>
      <button class="loop__toggle" type="button" disabled>Play</button>
    </div>
  </section>
  <section id="other-loops" aria-labelledby="other-loops-title">
    <h2 id="other-loops-title">Other Players' Loops</h2>
    <ul id="others" class="others"></ul>
    <p id="alone">There's no one else here right now. Tell your friends to join!</p>
  </section>
</main>
</body>
</html>
`;
}
