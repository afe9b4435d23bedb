import { createLogger, generateSecret } from "fenix";
import { createLiveDemo } from "./app.js";

const logger = createLogger({ name: "live-demo" });
const port = Number(process.env.PORT ?? 4000);
let secretKeyBase = process.env.SECRET_KEY_BASE;
if (!secretKeyBase) {
  // Fine for a demo on one machine: pages rendered before a restart then reload once.
  secretKeyBase = generateSecret();
  logger.warn("SECRET_KEY_BASE is not set: using a random one, so sessions do not survive a restart");
} else if (secretKeyBase.length < 20) {
  logger.fatal("SECRET_KEY_BASE must be at least 20 characters (e.g. `openssl rand -base64 48`)");
  process.exit(1);
}

const demo = createLiveDemo({ logger, secretKeyBase });
try {
  const bound = await demo.listen(port);
  logger.info(`live-demo listening on http://localhost:${bound}/counter and /signup`);
} catch (err) {
  logger.fatal(`cannot start: ${(err as Error).message}`);
  process.exit(1);
}

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping`);
    demo.close().then(
      () => process.exit(0),
      (err) => {
        logger.error(`stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  });
}
