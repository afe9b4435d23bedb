/** The topics the ping socket serves; any other topic is refused. */
export const PING_TOPICS = ["ping", "other"] as const;

/** What the server pushes as `ping`: the book's `{message, random, node}`. */
export interface PingMessage {
  message: "ping";
  random: number;
  node: string;
}

/** A ping from `node`, with a random number in 1..100 000 (Erlang's `:rand.uniform(100_000)`). */
export function pingMessage(node: string, random: () => number = Math.random): PingMessage {
  return { message: "ping", random: Math.floor(random() * 100_000) + 1, node };
}

export function isPingTopic(topic: string): boolean {
  return (PING_TOPICS as readonly string[]).includes(topic);
}
