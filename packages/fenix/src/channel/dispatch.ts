import type { BroadcastMessage } from "../pubsub/adapter.js";
import type { Scratch } from "../pubsub/pubsub.js";
import type { SharedFrame } from "../protocol/message.js";
import type { Serializer } from "../serializer/serializer.js";

/**
 * Encodes a broadcast at most once per serializer, however many subscribers share it —
 * Phoenix's fastlane (`Phoenix.Channel.Server.dispatch/3`). Kept in the broadcast's scratch.
 */
export class FastlaneCache {
  // Almost every subscriber of a broadcast shares one serializer and one intercept set: remember
  // the last answer so the per-subscriber cost is a comparison, not a map or set lookup.
  private lastSerializer: Serializer | undefined;
  private lastFrame: SharedFrame | undefined;
  private frames: Map<Serializer, SharedFrame> | undefined;
  private lastIntercepts: ReadonlySet<string> | undefined;
  private lastIntercepted = false;

  constructor(readonly message: BroadcastMessage) {}

  frameFor(serializer: Serializer): SharedFrame {
    if (serializer === this.lastSerializer) return this.lastFrame as SharedFrame;
    this.frames ??= new Map();
    let frame = this.frames.get(serializer);
    if (frame === undefined) {
      frame = serializer.fastlane(this.message);
      this.frames.set(serializer, frame);
    }
    this.lastSerializer = serializer;
    this.lastFrame = frame;
    return frame;
  }

  /** Whether this broadcast's event is in `intercepts`. */
  intercepted(intercepts: ReadonlySet<string>): boolean {
    if (intercepts !== this.lastIntercepts) {
      this.lastIntercepts = intercepts;
      this.lastIntercepted = intercepts.has(this.message.event);
    }
    return this.lastIntercepted;
  }
}

const FASTLANE = Symbol("fenix.fastlane");

/** The broadcast's fastlane cache, created by its first channel subscriber. */
export function fastlane(message: BroadcastMessage, scratch: Scratch): FastlaneCache {
  let cache = scratch[FASTLANE] as FastlaneCache | undefined;
  if (cache === undefined) scratch[FASTLANE] = cache = new FastlaneCache(message);
  return cache;
}
