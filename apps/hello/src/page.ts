/** The HelloSockets page: injects a token for the demo user, then loads the book's client code. */
export function renderPage(authToken: string, userId: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Hello Sockets · Fenix</title>
  <style>
    body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 52rem; padding: 0 1rem; }
    pre { background: #111; color: #ddd; padding: 1rem; min-height: 12rem; white-space: pre-wrap; }
  </style>
</head>
<body>
  <h1>Hello Sockets</h1>
  <p>The book's chapters 2–5 client code, on the official <code>phoenix</code> client. The console output is mirrored below.</p>
  <pre id="log"></pre>
  <script>
    window.authToken = ${JSON.stringify(authToken)};
    window.userId = ${JSON.stringify(userId)};
  </script>
  <script type="module" src="/assets/app.js"></script>
</body>
</html>
`;
}
