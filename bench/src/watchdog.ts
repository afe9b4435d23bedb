// Preloaded (`node --import`) into every server the bench starts, Fenix included, so that no app
// code has to change: the runner gives each server an IPC channel and the server exits when that
// channel closes, i.e. when the runner dies, however it dies. SIGTERM and SIGINT are left to the
// app (Fenix drains, then exits normally, which is also what lets --cpu-prof write its profile).
//
// The runner may also ask for the memory the server still holds after a full collection
// (`{ benchHeap: id }` → `{ benchHeap: id, heapUsed, external }`): RSS alone moves by tens of MB
// with the young generation's size, which says when V8 last collected, not what a connection keeps.
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
    process.send?.({ benchHeap: message.benchHeap, collected: Boolean(gc), heapUsed: usage.heapUsed, external: usage.external });
  });
  // Listening for messages refs the channel; the server's own handles decide when it may exit.
  process.channel.unref();
}
