import type { IncomingMessage, ServerResponse } from "node:http";
import type { MountContext } from "./admission.js";
import type { HttpTransport } from "./transport.js";

export interface SseOptions {
  /** Path under the socket mount (default "/sse"). */
  path?: string;
}

/** Placeholder: the SSE transport is being written. */
export class SseTransport implements HttpTransport {
  readonly name = "sse";
  constructor(
    readonly mount: MountContext,
    readonly options: SseOptions,
  ) {}
  async handleRequest(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.writeHead(501).end();
  }
  close(): void {}
}
