// Loops With Friends in the browser: join the jam the page names (or the one a full jam sends us
// to), show who plays what from Presence, and play our loop on the shared measure grid.
import { Presence, Socket } from "phoenix";
import type { Channel } from "phoenix";
import { ServerClock } from "./clock.js";
import { LoopEngine } from "./engine.js";
import type { LoopState, Player } from "./view.js";
import { renderOthers, renderOwn } from "./view.js";

const LOOP_ORDER = [
  "80s_Back_Beat",
  "Amsterdam_Layers",
  "Synthetic_String_Bass",
  "Degenerating_Pitch_Vox",
  "Kyoto_Night_Guitar",
  "Conga_Groove",
  "African_Rain_Caxixi",
];
const OWN = "own";

interface Meta {
  user_id: string;
  loop_name: string;
  loop_event?: "played" | "stopped";
}

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";
const main = document.getElementById("app") as HTMLElement;
const clock = new ServerClock(Number(meta("server-time")));
const engine = new LoopEngine(clock);

let channel: Channel | undefined;
let userId: string | undefined;
let ownLoop: string | undefined;
let ownState: LoopState = "idle";
let others = new Map<string, Player>();
let audioOn = false;

// For tests and the curious: what the page joined and what it scheduled.
(window as unknown as { __loops: object }).__loops = {
  get topic() {
    return main.dataset.topic;
  },
  get userId() {
    return userId;
  },
  get audioState() {
    return engine.audioState;
  },
  starts: engine.starts,
  serverNow: () => clock.now(),
};

const socket = new Socket("/socket", {});
socket.connect();
void clock.sync().catch(() => undefined);
join(meta("jam-topic"));

function join(topic: string): void {
  const ch = socket.channel(topic, {});
  channel = ch;
  main.dataset.topic = topic;
  main.dataset.status = "joining";
  const presence = new Presence(ch);
  presence.onSync(() => sync(presence));
  ch.on("loop:played", ({ user_id }: { user_id: string }) => remote(user_id, "playing"));
  ch.on("loop:stopped", ({ user_id }: { user_id: string }) => remote(user_id, "idle"));
  ch.join()
    .receive("ok", (reply: { user_id: string }) => {
      // A rejoin after a reconnect is a new connection, so a new player id.
      userId = reply.user_id;
      main.dataset.status = "joined";
      main.dataset.userId = userId;
      if (ownState === "playing") ch.push("loop:played", { user_id: userId });
    })
    .receive("error", (reply: { new_topic?: string; reason?: string }) => {
      if (!reply.new_topic) {
        main.dataset.status = "error";
        return;
      }
      // The jam filled up between the page and the join: the balancer named another one.
      ch.leave();
      for (const id of others.keys()) engine.stop(id);
      others = new Map();
      join(reply.new_topic);
    });
}

function sync(presence: Presence): void {
  const next = new Map<string, Player>();
  for (const entry of presence.list((_key, { metas }) => metas[0] as Meta)) {
    if (entry.user_id === userId) {
      if (ownLoop !== entry.loop_name) {
        ownLoop = entry.loop_name;
        stopOwn(false);
      }
      continue;
    }
    const previous = others.get(entry.user_id);
    // A late joiner hears loops already playing: the meta says who has played last.
    const state: LoopState =
      previous && previous.state !== "idle" && entry.loop_event === undefined ? previous.state : entry.loop_event === "played" ? "playing" : "idle";
    next.set(entry.user_id, { userId: entry.user_id, loop: entry.loop_name, state });
  }
  for (const id of others.keys()) if (!next.has(id)) engine.stop(id);
  others = next;
  for (const player of others.values()) sound(player);
  render();
}

function remote(id: string, state: LoopState): void {
  const player = others.get(id);
  if (!player) return;
  player.state = state;
  sound(player);
  render();
}

function sound(player: Player): void {
  if (player.state === "playing" && audioOn) engine.start(player.userId, player.loop, clock.now());
  if (player.state !== "playing") engine.stop(player.userId);
}

function playOwn(): void {
  if (!ownLoop) return;
  ownState = "queued";
  engine.start(OWN, ownLoop, clock.nextBoundary(), () => {
    ownState = "playing";
    channel?.push("loop:played", { user_id: userId });
    render();
  });
  render();
}

function stopOwn(announce = true): void {
  const wasPlaying = ownState === "playing";
  engine.stop(OWN);
  ownState = "idle";
  if (announce && wasPlaying) channel?.push("loop:stopped", { user_id: userId });
  render();
}

function render(): void {
  renderOwn(ownLoop ? { userId: userId ?? "", loop: ownLoop, state: ownState } : undefined);
  renderOthers([...others.values()], LOOP_ORDER);
}

(document.querySelector("#own-loop .loop__toggle") as HTMLButtonElement).addEventListener("click", () => {
  if (ownState === "idle") playOwn();
  else stopOwn();
});

(document.getElementById("lets-jam") as HTMLButtonElement).addEventListener("click", async () => {
  (document.getElementById("welcome") as HTMLElement).hidden = true;
  await engine.enable();
  audioOn = true;
  for (const player of others.values()) sound(player);
});

render();
