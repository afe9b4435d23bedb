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

/** A chat room on the official client: `?user=NAME&room=lobby`; the online list uses phoenix.js `Presence`. */
export function renderRoomPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Room · Hello Sockets · Fenix</title>
  <style>
    body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 52rem; padding: 0 1rem; display: grid; grid-template-columns: 1fr 14rem; gap: 1.5rem; }
    h1 { grid-column: 1 / -1; margin: 0; }
    #messages { list-style: none; padding: 0; min-height: 12rem; border: 1px solid #ccc; padding: .5rem; }
    #online { list-style: none; padding: 0; }
    #online li::before { content: "● "; color: #2a2; }
    form { display: flex; gap: .5rem; } input { flex: 1; }
  </style>
</head>
<body>
  <h1>Room <span id="room-name"></span> as <span id="user-name"></span></h1>
  <main>
    <ul id="messages"></ul>
    <form id="send"><input id="body" autocomplete="off" placeholder="Say something"><button>Send</button></form>
  </main>
  <aside><h2>Online</h2><ul id="online"></ul></aside>
  <script type="module" src="/assets/room.js"></script>
</body>
</html>
`;
}
