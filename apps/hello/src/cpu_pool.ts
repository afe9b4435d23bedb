import { Piscina } from "piscina";

/**
 * CPU-heavy work off the event loop (the worker-pool recipe): a piscina pool runs
 * `workers/hash_worker.mjs` on worker threads, so heartbeats and every other socket keep being
 * served while it hashes. Threads end after a second idle, so an idle app keeps none.
 *
 * @example
 * const pool = createHashPool();
 * const { rounds } = await pool.run({ ms: 2000 });
 */
export function createHashPool(): Piscina {
  return new Piscina({
    // Plain .mjs beside src/ and dist/, so the same path serves the sources and the build.
    filename: new URL("../workers/hash_worker.mjs", import.meta.url).href,
    maxThreads: 2,
    idleTimeout: 1_000,
  });
}
