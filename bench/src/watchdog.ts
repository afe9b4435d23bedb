// Preloaded (`node --import`) into every server the bench starts, Fenix included, so that no app
// code has to change: the runner gives each server an IPC channel and the server exits when that
// channel closes, i.e. when the runner dies, however it dies. SIGTERM and SIGINT are left to the
// app (Fenix drains, then exits normally, which is also what lets --cpu-prof write its profile).
//
// The runner may also ask for the memory the server still holds after a full collection
// (`{ benchHeap: id }` → `{ benchHeap: id, heapUsed, external }`): RSS alone moves by tens of MB
// with the young generation's size, which says when V8 last collected, not what a connection keeps.
import { getHeapSpaceStatistics } from "node:v8";

if (process.channel) {
  process.on("disconnect", () => process.exit(0));
  process.on("message", (message: { benchHeap?: number }) => {
    if (typeof message?.benchHeap !== "number") return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      gc();
    }
    const usage = process.memoryUsage();
    // Where RSS goes beyond the live heap: each V8 space's physical size, and RSS itself after the GC.
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.physical_space_size]));
    process.send?.({
      benchHeap: message.benchHeap,
      collected: Boolean(gc),
      heapUsed: usage.heapUsed,
      external: usage.external,
      rss: process.memoryUsage.rss(),
      arrayBuffers: usage.arrayBuffers,
      spaces,
    });
  });
  // Listening for messages refs the channel; the server's own handles decide when it may exit.
  process.channel.unref();
}
