import { Socket } from "phoenix";

// WebSocket first; phoenix.js uses long-poll by itself where a browser has no WebSocket, and the
// server accepts both on /product_socket.
export const productSocket = new Socket("/product_socket");
