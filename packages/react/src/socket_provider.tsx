import { Socket, type SocketConnectOption } from "phoenix";
import { type ReactNode, createContext, useContext, useEffect, useRef, useState } from "react";
import { leaveAll } from "./channel_registry.js";

/** The connected phoenix `Socket` of the nearest {@link SocketProvider}, `null` before it mounts (and on the server). */
export const SocketContext = createContext<Socket | null>(null);

/** Props of {@link SocketProvider}. */
export interface SocketProviderProps {
  /** The socket's mount path or URL, e.g. `"/socket"` or `"wss://example.com/socket"`. A change opens a new socket. */
  url: string;
  /** Connect params (query string). Read on every (re)connect, so the latest value is always used. */
  params?: Record<string, unknown>;
  /**
   * phoenix `Socket` options (`transport`, `heartbeatIntervalMs`, `logger`, …), read when the socket
   * is created. To apply new options, give the provider a new `key`.
   */
  options?: Partial<Omit<SocketConnectOption, "params">>;
  children?: ReactNode;
}

interface Held {
  url: string;
  socket: Socket;
  closing: ReturnType<typeof setTimeout> | null;
}

/**
 * Owns one phoenix `Socket`: creates and connects it when mounted, disconnects it when unmounted.
 * The socket is created in an effect — never during render, never on the server. Teardown waits
 * until the end of the task, so StrictMode's mount → unmount → mount keeps one socket instead of
 * opening a second one.
 *
 * @example
 * <SocketProvider url="/socket" params={{ token }}>
 *   <Room />
 * </SocketProvider>
 */
export function SocketProvider({ url, params, options, children }: SocketProviderProps) {
  const [socket, setSocket] = useState<Socket | null>(null);
  const paramsRef = useRef(params);
  paramsRef.current = params;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const held = useRef<Held | null>(null);

  useEffect(() => {
    let current = held.current;
    if (current && current.url === url && current.closing) {
      clearTimeout(current.closing);
      current.closing = null;
    } else {
      const created = new Socket(url, { ...optionsRef.current, params: () => paramsRef.current ?? {} });
      created.connect();
      current = held.current = { url, socket: created, closing: null };
    }
    const mine = current;
    setSocket(mine.socket);
    return () => {
      mine.closing = setTimeout(() => {
        if (held.current === mine) held.current = null;
        // Leaves first, and close once they are answered: closing a long-poll socket aborts the
        // POST that carries them, and the server would keep the channels until its poll window ends.
        void leaveAll(mine.socket).then(() => mine.socket.disconnect());
      }, 0);
    };
  }, [url]);

  return <SocketContext.Provider value={socket}>{children}</SocketContext.Provider>;
}

/**
 * The phoenix `Socket` of the nearest {@link SocketProvider}: `null` until it has mounted.
 *
 * @example
 * const socket = useSocket();
 * useEffect(() => {
 *   if (!socket) return;
 *   const ref = socket.onOpen(() => setOnline(true));
 *   return () => socket.off([ref]);
 * }, [socket]);
 */
export function useSocket(): Socket | null {
  return useContext(SocketContext);
}
