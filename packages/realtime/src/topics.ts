/**
 * Topic names. The client always says `realtime:<name>`; a private join of the same name lives in
 * another PubSub topic, so a public subscriber never hears a private channel (and cannot speak
 * into one), as in Supabase, where public and private topics are separate namespaces.
 */

/** What every client topic starts with. */
export const TOPIC_PREFIX = "realtime:";
/** Where private channels live inside the node; clients never see or send it. */
export const PRIVATE_PREFIX = "realtime-private:";

/** The PubSub/Presence topic of a client topic joined publicly or privately. */
export function internalTopic(clientTopic: string, isPrivate: boolean): string {
  return isPrivate && clientTopic.startsWith(TOPIC_PREFIX) ? PRIVATE_PREFIX + clientTopic.slice(TOPIC_PREFIX.length) : clientTopic;
}

/** The topic the client knows for an internal one. */
export function wireTopic(topic: string): string {
  return topic.startsWith(PRIVATE_PREFIX) ? TOPIC_PREFIX + topic.slice(PRIVATE_PREFIX.length) : topic;
}

export function isPrivateTopic(topic: string): boolean {
  return topic.startsWith(PRIVATE_PREFIX);
}

/** `room1` for `realtime:room1` (and for its private twin): what Supabase calls the sub-topic. */
export function subTopic(topic: string): string {
  const wire = wireTopic(topic);
  return wire.startsWith(TOPIC_PREFIX) ? wire.slice(TOPIC_PREFIX.length) : wire;
}
