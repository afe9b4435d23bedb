import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The SPA: index.html + src/client, built into dist/client and served by src/server with /socket.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist/client", emptyOutDir: true },
  resolve: { dedupe: ["react", "react-dom", "phoenix"] },
  // Pre-bundled at startup so the first page load does not trigger a dependency reload.
  optimizeDeps: { include: ["react", "react-dom", "react-dom/client", "react/jsx-runtime", "react/jsx-dev-runtime", "react-router", "phoenix"] },
});
