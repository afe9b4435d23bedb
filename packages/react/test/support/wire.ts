// A WebSocket for phoenix's `transport` option that records every frame the client sends, in
// order: the wire as the server receives it. Frames are V2 JSON arrays [joinRef, ref, topic, event, payload].
export type Frame = [string | null, string | null, string, string, unknown];

export function recordingTransport(sent: Frame[], opened: string[] = []): typeof WebSocket {
  return class RecordingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      opened.push(String(url));
    }

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (typeof data === "string") sent.push(JSON.parse(data) as Frame);
      super.send(data);
    }
  };
}

/** The `event topic` of each sent frame except heartbeats, e.g. "phx_join room:a". */
export function channelFrames(sent: Frame[]): string[] {
  return sent.filter((f) => f[2] !== "phoenix").map((f) => `${f[3]} ${f[2]}`);
}
