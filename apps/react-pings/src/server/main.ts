// `node dist/server/main.js [--dev]`: the React example on PORT (default 4000).
import { createLogger } from "fenix";
import { createPingsServer } from "./pings_server.js";

const logger = createLogger({ name: "react-pings" });
const dev = process.argv.includes("--dev") || process.env.PINGS_DEV === "1";
const port = Number(process.env.PORT ?? 4000);

let server: Awaited<ReturnType<typeof createPingsServer>>;
try {
  server = await createPingsServer({ port, dev, logger, nodeName: process.env.NODE_NAME || undefined });
} catch (err) {
  logger.fatal(`cannot start: ${(err as Error).message}`);
  process.exit(1);
}
logger.info(`react-pings (${dev ? "development build, StrictMode on" : "production build"}) on ${server.url}`);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err) => {
        logger.error(`stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  });
}
