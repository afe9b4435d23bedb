import type { IncomingMessage, ServerResponse } from "node:http";
import type { MountContext } from "./admission.js";
import type { HttpTransport } from "./transport.js";

export interface LongPollOptions {
  /** Path under the socket mount (default "/longpoll"). */
  path?: string;
}

/** Placeholder: the long-poll transport is being written. */
export class LongPollTransport implements HttpTransport {
  readonly name = "longpoll";
  constructor(
    readonly mount: MountContext,
    readonly options: LongPollOptions,
  ) {}
  async handleRequest(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.writeHead(501).end();
  }
  close(): void {}
}
