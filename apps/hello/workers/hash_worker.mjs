// Runs in a piscina worker thread: CPU-bound work that would stall every socket if it ran on the
// event loop. Hashes for `ms` milliseconds and reports how many rounds it did.
import { createHash } from "node:crypto";

export default function hashFor({ ms }) {
  const deadline = performance.now() + ms;
  let digest = Buffer.alloc(32);
  let rounds = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++) digest = createHash("sha256").update(digest).digest();
    rounds += 1000;
  }
  return { rounds, digest: digest.toString("hex") };
}
