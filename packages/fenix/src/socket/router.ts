import type { CompiledChannel } from "../channel/compile.js";
import type { HistoryOptions } from "../pubsub/history.js";

/** Per-route options, the optional third element of a `channels` entry. */
export interface RouteOptions {
  /** Keep recent broadcasts of these topics so clients can recover what they missed (opt-in). */
  history?: HistoryOptions;
}

export interface Route<C = CompiledChannel> {
  pattern: string;
  channel: C;
  options?: RouteOptions;
}

/**
 * Topic routing as Phoenix does it: an exact topic, or a prefix ending in `*` (which also
 * matches the bare prefix). The first declared match wins.
 */
export class Router<C = CompiledChannel> {
  private readonly ordered: (Route<C> & { prefix: string | null })[] = [];

  constructor(routes: readonly Route<C>[]) {
    for (const { pattern, channel, options } of routes) {
      const star = pattern.indexOf("*");
      if (star !== -1 && star !== pattern.length - 1) {
        throw new Error(`channels using splat patterns must end with *: got ${JSON.stringify(pattern)}`);
      }
      this.ordered.push({ prefix: star === -1 ? null : pattern.slice(0, -1), pattern, channel, options });
    }
  }

  get routes(): readonly Route<C>[] {
    return this.ordered.map(({ pattern, channel, options }) => ({ pattern, channel, options }));
  }

  match(topic: string): C | undefined {
    for (const route of this.ordered) {
      if (route.prefix === null ? route.pattern === topic : topic.startsWith(route.prefix)) return route.channel;
    }
    return undefined;
  }

  /** The pattern of the route `topic` matches (metrics label channels by it). */
  patternOf(topic: string): string | undefined {
    for (const route of this.ordered) {
      if (route.prefix === null ? route.pattern === topic : topic.startsWith(route.prefix)) return route.pattern;
    }
    return undefined;
  }
}
