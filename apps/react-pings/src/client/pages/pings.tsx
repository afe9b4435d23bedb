import { useCallback, useEffect, useState } from "react";
import { type PingData, usePingChannel } from "../ping_channel.js";

/** The book's Pings page: every ping since mount, newest first, and a button that pings back. */
export function Pings({ topic = "ping" }: { topic?: string }) {
  const [messages, setMessages] = useState<string[]>([]);
  const { onPing, sendPing } = usePingChannel();
  const prepend = useCallback((data: PingData) => setMessages((previous) => [JSON.stringify(data), ...previous]), []);

  useEffect(() => onPing(prepend), [onPing, prepend]);

  return (
    <div>
      <h2>Pings: {topic}</h2>
      <p>This page displays the PING messages received from the server, since this page was mounted. The topic for this Channel is {topic}.</p>
      <button type="button" onClick={() => sendPing(prepend)}>
        Press to send a ping
      </button>
      <textarea value={messages.join("\n")} readOnly rows={12} cols={80} />
    </div>
  );
}
