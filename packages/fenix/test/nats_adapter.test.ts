// The NATS PubSub adapter against a real nats-server on a free port: the same contract as Redis.
import { NatsAdapter } from "fenix";
import { adapterContract } from "./support/adapter_contract.js";
import { startNats } from "./support/nats.js";

adapterContract("NatsAdapter", {
  start: () => startNats(),
  adapter: (nats, logger) => new NatsAdapter({ url: nats.url, logger }),
});
