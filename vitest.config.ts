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
    ],
  },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "bench/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
