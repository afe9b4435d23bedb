import { isThenable } from "../util/maybe.js";

/**
 * A serial mailbox, the Node stand-in for a BEAM process: jobs run one at a time, in arrival
 * order; a job that returns a promise holds the ones behind it until it settles, and only those.
 * Synchronous jobs run without touching the microtask queue.
 */
export abstract class Mailbox<Job> {
  protected queue: Job[] = [];
  /** Jobs run so far (the observer's "messages handled", Erlang's reductions stand-in). */
  handled = 0;

  /** Jobs waiting to run. */
  get queueLength(): number {
    return this.queue.length;
  }
  /** True while a job (or something that must finish first, like a join) is in progress. */
  protected running = false;

  /** Whether to take a job at all (a dead mailbox takes nothing). */
  protected abstract accepts(job: Job): boolean;
  /** "run" it now, "wait" (leave it queued until `resume`), or "stop" draining. */
  protected abstract readiness(job: Job): "run" | "wait" | "stop";
  protected abstract run(job: Job): unknown;
  /** A job threw or rejected. */
  protected abstract crash(err: unknown, job: Job): unknown;

  protected enqueue(job: Job): void {
    if (!this.accepts(job)) return;
    this.queue.push(job);
    if (!this.running) this.drain();
  }

  /** Ends whatever held the mailbox and runs what queued up meanwhile. */
  protected resume(): void {
    this.running = false;
    this.drain();
  }

  protected drain(): void {
    if (this.running) return;
    this.running = true;
    while (this.queue.length > 0) {
      const job = this.queue[0];
      const readiness = this.readiness(job);
      if (readiness !== "run") break;
      this.queue.shift();
      this.handled++;
      let outcome: unknown;
      try {
        outcome = this.run(job);
      } catch (err) {
        outcome = this.crash(err, job);
      }
      if (isThenable(outcome)) {
        Promise.resolve(outcome)
          .then(undefined, (err) => this.crash(err, job))
          .finally(() => this.resume());
        return;
      }
    }
    this.running = false;
  }
}
