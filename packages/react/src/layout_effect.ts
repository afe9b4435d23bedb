import { useEffect, useLayoutEffect } from "react";

// Layout effects run before the next task, so an event handler bound right after a join is in
// place before the server's first push can arrive. On the server no effect runs at all.
export const useIsomorphicLayoutEffect = typeof window === "undefined" ? useEffect : useLayoutEffect;
