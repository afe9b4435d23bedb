// The shared measure grid: every browser places measure boundaries at multiples of MEASURE_MS
// on the server's clock, so loops started in different windows line up.

/** Two bars of 4/4 at 100 BPM: the original's ~4.8 s measure. */
export const MEASURE_MS = 4_800;
/** A sixteenth note: 32 steps per measure. */
export const STEP_MS = MEASURE_MS / 32;

export class ServerClock {
  /** server time − local time, in ms. */
  private offset: number;

  /** `pageTime` is the server's clock when it rendered the page: a first estimate, off by the load time. */
  constructor(pageTime: number) {
    this.offset = Number.isFinite(pageTime) ? pageTime - Date.now() : 0;
  }

  /** Refines the offset with a few round trips to `GET /clock`, keeping the one with the shortest trip. */
  async sync(url = "/clock", samples = 3): Promise<void> {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < samples; i++) {
      const sent = Date.now();
      const response = await fetch(url, { cache: "no-store" });
      const { now } = (await response.json()) as { now: number };
      const received = Date.now();
      if (received - sent < best) {
        best = received - sent;
        this.offset = now + (received - sent) / 2 - received;
      }
    }
  }

  now(): number {
    return Date.now() + this.offset;
  }

  /** The first measure boundary at least `marginMs` from now. */
  nextBoundary(marginMs = 30): number {
    return Math.ceil((this.now() + marginMs) / MEASURE_MS) * MEASURE_MS;
  }

  /** The boundary that began the current measure. */
  currentBoundary(): number {
    return Math.floor(this.now() / MEASURE_MS) * MEASURE_MS;
  }
}
