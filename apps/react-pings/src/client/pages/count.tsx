import { useEffect, useState } from "react";
import { usePingChannel } from "../ping_channel.js";

/** The book's Counter page: how many pings arrived since it mounted. */
export function Count() {
  const [count, setCount] = useState(0);
  const { onPing } = usePingChannel();
  useEffect(() => onPing(() => setCount((c) => c + 1)), [onPing]);
  return (
    <div>
      <h2>Counter</h2>
      <p>This page displays the number of received messages, since this page was mounted.</p>
      <strong>{count}</strong>
    </div>
  );
}
