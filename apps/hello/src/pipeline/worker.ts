import type { PipelineEvent } from "fenix";

/** What goes through the pipeline: the book's `%{data: data, user_id: user_id}`. */
export interface UserPush {
  user_id: number;
  data: Record<string, unknown>;
}

/** Where the pipeline's measurements go (StatsD-shaped; a no-op when nothing is configured). */
export interface HelloMetrics {
  /** `name:<ms>|ms` */
  timing(name: string, ms: number): void;
  /** `name:<value>|h` */
  histogram(name: string, value: number): void;
}

export const NO_METRICS: HelloMetrics = { timing() {}, histogram() {} };

export interface Broadcaster {
  broadcast(topic: string, event: string, payload: object): Promise<void>;
}

/**
 * The book's pipeline worker: a timed item is broadcast at once as `push_timed {data, at}` (the
 * user channel strips `at` and records the delivery time); an untimed one stands for slow work —
 * one second — and is then broadcast as `push` with its data.
 */
export function pipelineWorker(endpoint: Broadcaster, slowWorkMs = 1_000) {
  return async ({ item, enqueuedAt }: PipelineEvent<UserPush>): Promise<void> => {
    const topic = `user:${item.user_id}`;
    if (enqueuedAt !== undefined) {
      await endpoint.broadcast(topic, "push_timed", { data: item.data, at: enqueuedAt });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, slowWorkMs));
    await endpoint.broadcast(topic, "push", item.data);
  };
}
