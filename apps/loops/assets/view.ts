// The page's DOM: "Your Loop" and "Other Players' Loops". Each loop element carries
// data-loop-name and data-state (idle | queued | playing) for people and tests alike.

export type LoopState = "idle" | "queued" | "playing";

export interface Player {
  userId: string;
  loop: string;
  state: LoopState;
}

const human = (loop: string) => loop.replaceAll("_", " ");
const LABELS: Record<LoopState, string> = { idle: "Play", queued: "Queued", playing: "Stop" };

export function renderOwn(own: Player | undefined): void {
  const el = document.getElementById("own-loop") as HTMLElement;
  const name = el.querySelector(".loop__name") as HTMLElement;
  const button = el.querySelector(".loop__toggle") as HTMLButtonElement;
  el.dataset.loopName = own?.loop ?? "";
  el.dataset.state = own?.state ?? "idle";
  name.textContent = own ? human(own.loop) : "Joining a jam…";
  button.textContent = LABELS[own?.state ?? "idle"];
  button.disabled = !own;
}

export function renderOthers(others: Player[], order: readonly string[]): void {
  const list = document.getElementById("others") as HTMLElement;
  const sorted = [...others].sort((a, b) => order.indexOf(a.loop) - order.indexOf(b.loop));
  list.replaceChildren(
    ...sorted.map((player) => {
      const item = document.createElement("li");
      item.className = `loop loop--other loop--${player.state}`;
      item.dataset.userId = player.userId;
      item.dataset.loopName = player.loop;
      item.dataset.state = player.state;
      const name = document.createElement("span");
      name.className = "loop__name";
      name.textContent = human(player.loop);
      const state = document.createElement("span");
      state.className = "loop__state";
      state.textContent = player.state === "playing" ? "playing" : "stopped";
      item.append(name, state);
      return item;
    }),
  );
  (document.getElementById("alone") as HTMLElement).hidden = others.length > 0;
}
