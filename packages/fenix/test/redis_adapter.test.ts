// The Redis PubSub adapter against a real redis-server on a free port (the shared contract).
import { RedisAdapter } from "../src/pubsub/redis.js";
import { adapterContract } from "./support/adapter_contract.js";
import { type TestRedis, startRedis } from "./support/redis.js";

adapterContract("RedisAdapter", {
  start: () => startRedis(),
  adapter: (redis, logger) => new RedisAdapter({ url: redis.url, logger, namespace: `t${(redis as TestRedis).port}` }),
});
