import type { ChannelDefinition } from "../channel/definition.js";
import type { HistoryOptions } from "../pubsub/history.js";

/** Per-route options, the optional third element of a `channels` entry. */
export interface RouteOptions {
  /** Keep recent broadcasts of these topics so clients can recover what they missed (opt-in). */
  history?: HistoryOptions;
}

export interface Route {
  pattern: string;
  channel: ChannelDefinition<any>;
  options?: RouteOptions;
}

/**
 * Topic routing as Phoenix does it: an exact topic, or a prefix ending in `*` (which also
 * matches the bare prefix). The first declared match wins.
 */
export class Router {
  private exact = new Map<string, ChannelDefinition<any>>();
  private ordered: { prefix: string | null; pattern: string; channel: ChannelDefinition<any>; options?: RouteOptions }[] = [];

  constructor(routes: readonly Route[]) {
    for (const { pattern, channel, options } of routes) {
      const star = pattern.indexOf("*");
      if (star !== -1 && star !== pattern.length - 1) {
        throw new Error(`channels using splat patterns must end with *: got ${JSON.stringify(pattern)}`);
      }
      const prefix = star === -1 ? null : pattern.slice(0, -1);
      this.ordered.push({ prefix, pattern, channel, options });
      if (prefix === null && !this.exact.has(pattern)) this.exact.set(pattern, channel);
    }
  }

  get routes(): readonly Route[] {
    return this.ordered.map(({ pattern, channel, options }) => ({ pattern, channel, options }));
  }

  match(topic: string): ChannelDefinition<any> | undefined {
    for (const route of this.ordered) {
      if (route.prefix === null ? route.pattern === topic : topic.startsWith(route.prefix)) return route.channel;
    }
    return undefined;
  }
}
