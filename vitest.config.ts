import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; processes spawned by tests run the built dist.
    alias: [
      { find: /^fenix$/, replacement: src("./packages/fenix/src/index.ts") },
      { find: /^fenix\/testing$/, replacement: src("./packages/fenix/src/testing/index.ts") },
      { find: /^fenix\/protocol$/, replacement: src("./packages/fenix/src/protocol.ts") },
      { find: /^@fenix\/db$/, replacement: src("./packages/db/src/index.ts") },
      { find: /^@fenix\/react$/, replacement: src("./packages/react/src/index.ts") },
      { find: /^@fenix\/live\/testing$/, replacement: src("./packages/live/src/testing/index.ts") },
      { find: /^@fenix\/live$/, replacement: src("./packages/live/src/index.ts") },
      { find: /^@fenix\/realtime$/, replacement: src("./packages/realtime/src/index.ts") },
    ],
  },
  test: {
    include: [
      "packages/*/src/**/*.test.{ts,tsx}",
      "packages/*/test/**/*.test.{ts,tsx}",
      "apps/*/src/**/*.test.{ts,tsx}",
      "apps/*/test/**/*.test.{ts,tsx}",
      "bench/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
