// The effectful shell around the list: change the store, and announce a change (never a no-op)
// as one broadcast on the logins topic, which the Redis adapter carries to every node.
import type { Endpoint } from "fenix";
import { LOGINS_TOPIC } from "./channels/logins_channel.js";
import type { Change, UserStore } from "./user_store.js";

/**
 * @example
 * const logins = new Logins(store, endpoint);
 * await logins.login("yay");  // true: subscribers get {"action":"add","user":"yay"}
 * await logins.login("yay");  // false: nothing announced
 */
export class Logins {
  constructor(
    readonly store: UserStore,
    private readonly endpoint: Endpoint,
  ) {}

  /** True when `user` was not logged in (and now is). */
  async login(user: string): Promise<boolean> {
    return this.announce(await this.store.add(user));
  }

  /** True when `user` was logged in (and now is not). */
  async logout(user: string): Promise<boolean> {
    return this.announce(await this.store.del(user));
  }

  /** Newest first. */
  async users(): Promise<string[]> {
    return (await this.store.snapshot()).users;
  }

  private async announce(change: Change | null): Promise<boolean> {
    if (change === null) return false;
    await this.endpoint.broadcast(LOGINS_TOPIC, change.action, change);
    return true;
  }
}
