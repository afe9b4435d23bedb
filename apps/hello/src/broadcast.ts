// The book's "back" node: a process with no HTTP server that joins the cluster through Redis,
// broadcasts once, and leaves.
//   REDIS_URL=redis://127.0.0.1:6379 node dist/broadcast.js ping request_ping '{}'
import { Endpoint, RedisAdapter, createLogger } from "fenix";

const [topic, event, json = "{}"] = process.argv.slice(2);
const logger = createLogger({ name: "broadcast" });
const url = process.env.REDIS_URL;
if (!url || !topic || !event) {
  logger.fatal("usage: REDIS_URL=redis://… node dist/broadcast.js <topic> <event> [payload JSON object]");
  process.exit(2);
}
let payload: object;
try {
  payload = JSON.parse(json);
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw new Error("not an object");
} catch (err) {
  logger.fatal(`the payload must be a JSON object: ${(err as Error).message}`);
  process.exit(2);
}

const endpoint = new Endpoint({ logger, nodeName: process.env.NODE_NAME, pubsubAdapter: new RedisAdapter({ url, logger }) });
try {
  await endpoint.start();
  await endpoint.pubsub.broadcast(topic, event, payload, { strict: true });
  logger.info(`broadcast ${event} to ${topic} from ${endpoint.nodeName}`);
} catch (err) {
  logger.fatal(`broadcast failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await endpoint.close();
}
