// One scheduler for every loop on the page: a shared timer looks a second ahead and schedules
// each playing loop's notes measure by measure on the shared grid. A loop started mid-measure
// (another player's, or one already playing when we arrive) joins in at the current step.
import type { ServerClock } from "./clock.js";
import { MEASURE_MS, STEP_MS } from "./clock.js";
import { LOOPS } from "./instruments.js";

const LOOKAHEAD_MS = 1_000;
const TICK_MS = 50;

interface Running {
  loop: string;
  /** Server time from which notes sound (a boundary, or the moment a remote loop was heard). */
  from: number;
  /** Start of the next measure still to schedule. */
  next: number;
  gain: GainNode | undefined;
  started: boolean;
  onStart?: () => void;
}

/** What a test can read from `window.__loops.starts`. */
export interface StartRecord {
  id: string;
  loop: string;
  /** Server time the loop's first note was scheduled for. */
  from: number;
  /** The measure boundary (server ms) the loop is aligned to. */
  measure: number;
  /** AudioContext time of `from`. */
  ctxTime: number;
}

export class LoopEngine {
  readonly starts: StartRecord[] = [];
  private ctx: AudioContext | undefined;
  private noise: AudioBuffer | undefined;
  private readonly running = new Map<string, Running>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly clock: ServerClock) {}

  get audioState(): string {
    return this.ctx?.state ?? "none";
  }

  /** Creates the AudioContext; call from a click (browsers start audio only after a gesture). */
  async enable(): Promise<void> {
    if (!this.ctx) {
      this.ctx = new AudioContext();
      const buffer = this.ctx.createBuffer(1, this.ctx.sampleRate, this.ctx.sampleRate);
      const data = buffer.getChannelData(0);
      for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
      this.noise = buffer;
    }
    await this.ctx.resume();
    this.tick();
  }

  has(id: string): boolean {
    return this.running.has(id);
  }

  /** Starts `loop` at server time `from` (a boundary, or now to join in mid-measure); `onStart` fires when it sounds. */
  start(id: string, loop: string, from: number, onStart?: () => void): void {
    if (this.running.has(id)) return;
    this.running.set(id, { loop, from, next: Math.floor(from / MEASURE_MS) * MEASURE_MS, gain: undefined, started: false, onStart });
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  /** Stops at once: notes already scheduled are silenced. */
  stop(id: string): void {
    const voice = this.running.get(id);
    if (!voice) return;
    this.running.delete(id);
    if (voice.gain && this.ctx) {
      voice.gain.gain.setValueAtTime(0, this.ctx.currentTime);
      const gain = voice.gain;
      setTimeout(() => gain.disconnect(), LOOKAHEAD_MS + 1_500);
    }
    if (this.running.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const now = this.clock.now();
    for (const [id, voice] of this.running) {
      if (!voice.started && voice.from <= now) {
        voice.started = true;
        voice.onStart?.();
      }
      const ctx = this.ctx;
      const noise = this.noise;
      if (!ctx || !noise || ctx.state !== "running") continue;
      if (!voice.gain) {
        voice.gain = ctx.createGain();
        voice.gain.gain.value = 0.5;
        voice.gain.connect(ctx.destination);
      }
      while (voice.next < now + LOOKAHEAD_MS) {
        const measure = voice.next;
        const toCtx = (serverMs: number) => ctx.currentTime + (serverMs - this.clock.now()) / 1000;
        // Notes of a measure we join late: only those still ahead of us (and of `from`).
        const earliest = Math.max(voice.from, now);
        let first = true;
        for (const note of LOOPS[voice.loop] ?? []) {
          const at = measure + note.step * STEP_MS;
          if (at < earliest - 1) continue;
          note.voice(ctx, voice.gain, Math.max(ctx.currentTime, toCtx(at)), noise);
          if (first && this.starts.every((s) => s.id !== id || s.from !== voice.from)) {
            this.starts.push({ id, loop: voice.loop, from: voice.from, measure, ctxTime: toCtx(Math.max(voice.from, measure)) });
          }
          first = false;
        }
        voice.next += MEASURE_MS;
      }
    }
  }
}
