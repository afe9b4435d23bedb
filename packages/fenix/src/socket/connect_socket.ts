import { assignInto } from "../channel/types.js";
import type { Assigns } from "../channel/types.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Tokens } from "../token/token.js";
import type { Logger } from "../util/log.js";

/** The connection-level socket handed to `connect` and `id`. */
export class ConnectSocket<A extends Assigns = Assigns> {
  assigns: A;
  constructor(
    /** @internal */ readonly runtime: Runtime,
    readonly transport: string,
    assigns: A = {} as A,
  ) {
    this.assigns = assigns;
  }
  get logger(): Logger {
    return this.runtime.logger;
  }
  /** Phoenix.Token signing with the endpoint's `secretKeyBase` (e.g. to verify a `token` param). */
  get tokens(): Tokens {
    return this.runtime.tokens;
  }
  get nodeName(): string {
    return this.runtime.nodeName;
  }
  assign<K extends keyof A>(key: K, value: A[K]): this;
  assign(values: Partial<A>): this;
  assign(key: any, value?: any): this {
    assignInto(this.assigns, key, value);
    return this;
  }
}
