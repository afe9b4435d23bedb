// Preloaded (`node --import`) into every server the bench starts, Fenix included, so that no app
// code has to change: the runner gives each server an IPC channel and the server exits when that
// channel closes, i.e. when the runner dies, however it dies. SIGTERM and SIGINT are left to the
// app (Fenix drains, then exits normally, which is also what lets --cpu-prof write its profile).
if (process.channel) {
  process.channel.unref();
  process.on("disconnect", () => process.exit(0));
}
