// `cli shoppers`: the book's sneaker_admin_bench. Virtual shoppers with the official phoenix
// client, each on its own /product_socket connection, in a unique cart:<id> on a random page,
// holding one random item, until Ctrl-C or --hold-s; then they all leave. A dropped shopper
// reconnects (every --reconnect-ms, the book's 10 s) and rejoins with its cart.
import { Socket } from "phoenix";
import { WebSocket } from "ws";
import { type ShopperPlan, type ShoppersOptions, SHOPPERS_USAGE, UsageError, parseShoppersArgs, planShopper } from "./shoppers_plan.js";

type Outcome = "added" | "rejected" | "failed";

interface Tally {
  joined: number;
  added: number;
  /** add_item replies other than ok, by reason (e.g. not_released when the product is not out yet). */
  rejected: Record<string, number>;
  failed: number;
}

/** One shopper: connect, join its cart, add its item. Resolves with how that went (never rejects). */
function runShopper(options: ShoppersOptions, plan: ShopperPlan, sockets: Socket[], tally: Tally): Promise<Outcome> {
  return new Promise((resolve) => {
    // A long reconnect interval as in the book: a shopper that drops does not hammer the server.
    const socket = new Socket(options.url, { transport: WebSocket, reconnectAfterMs: () => options.reconnectMs, timeout: options.connectTimeoutMs });
    sockets.push(socket);
    const timer = setTimeout(() => settle("failed"), options.connectTimeoutMs);
    let settled = false;
    function settle(outcome: Outcome): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    }
    // Like the store's page: every (re)join sends the latest cart token, so a shopper whose node
    // went away comes back on another one still holding its item.
    let serialized: string | undefined;
    const keep = (cart?: { serialized?: unknown }) => {
      if (typeof cart?.serialized === "string") serialized = cart.serialized;
    };
    const channel = socket.channel(`cart:${plan.cartId}`, () => (serialized === undefined ? { page: plan.page } : { page: plan.page, serialized }));
    channel.on("cart", keep);
    channel
      .join()
      .receive("ok", () => {
        tally.joined++;
        channel
          .push("add_item", { item_id: String(plan.itemId) })
          .receive("ok", (cart?: { serialized?: unknown }) => {
            keep(cart);
            tally.added++;
            settle("added");
          })
          .receive("error", (reply?: { error?: string }) => {
            const reason = reply?.error ?? JSON.stringify(reply);
            tally.rejected[reason] = (tally.rejected[reason] ?? 0) + 1;
            settle("rejected");
          })
          .receive("timeout", () => settle("failed"));
      })
      .receive("error", () => settle("failed"));
    socket.connect();
  }).then((outcome) => {
    if (outcome === "failed") tally.failed++;
    return outcome as Outcome;
  });
}

function summary(tally: Tally): string {
  const rejected = Object.entries(tally.rejected).map(([reason, n]) => `${n} ${reason}`);
  return `${tally.joined} joined, ${tally.added} items added${rejected.length ? `, add_item refused: ${rejected.join(", ")}` : ""}, ${tally.failed} failed`;
}

/**
 * Runs the load: `chunks` × 100 shoppers, `intervalMs` apart; resolves with the exit code once
 * they have left (0 when every shopper joined and added its item).
 *
 * @example
 * await runShoppers(["--url", "ws://localhost:4000", "--chunks", "10", "--hold-s", "30"]);
 */
export async function runShoppers(argv: string[]): Promise<number> {
  let options: ShoppersOptions;
  try {
    options = parseShoppersArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${SHOPPERS_USAGE}`);
      return 2;
    }
    throw err;
  }
  const total = options.chunks * options.perChunk;
  const tally: Tally = { joined: 0, added: 0, rejected: {}, failed: 0 };
  const sockets: Socket[] = [];
  const shoppers: Promise<Outcome>[] = [];
  let interrupted = false;
  const stop = new Promise<void>((resolve) => {
    process.once("SIGINT", () => {
      interrupted = true;
      resolve();
    });
    process.once("SIGTERM", () => {
      interrupted = true;
      resolve();
    });
  });

  console.log(`${total} shoppers → ${options.url} (${options.chunks} chunks of ${options.perChunk}, ${options.intervalMs} ms apart)`);
  for (let chunk = 1; chunk <= options.chunks && !interrupted; chunk++) {
    for (let i = 0; i < options.perChunk; i++) shoppers.push(runShopper(options, planShopper(options), sockets, tally));
    console.log(`chunk ${chunk}/${options.chunks}: ${chunk * options.perChunk} shoppers connecting`);
    if (chunk < options.chunks) await Promise.race([new Promise((resolve) => setTimeout(resolve, options.intervalMs)), stop]);
  }
  await Promise.race([Promise.all(shoppers), stop]);
  console.log(`shoppers in: ${summary(tally)}`);
  if (!interrupted) {
    console.log(options.holdS === undefined ? "holding; Ctrl-C to leave" : `holding for ${options.holdS} s (Ctrl-C to leave sooner)`);
    const hold = options.holdS === undefined ? stop : Promise.race([stop, new Promise((resolve) => setTimeout(resolve, options.holdS! * 1_000))]);
    await hold;
  }
  await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.disconnect(() => resolve(), 1000, "bench done"))));
  console.log(`${sockets.length} shoppers left`);
  return tally.failed === 0 && tally.added === total ? 0 : 1;
}
