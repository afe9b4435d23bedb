/**
 * The seven loops of a jam, in the original's order: each player gets the first one no one else
 * in the jam has, so a jam of seven plays seven different loops.
 */
export const LOOP_NAMES = [
  "80s_Back_Beat",
  "Amsterdam_Layers",
  "Synthetic_String_Bass",
  "Degenerating_Pitch_Vox",
  "Kyoto_Night_Guitar",
  "Conga_Groove",
  "African_Rain_Caxixi",
] as const;

export type LoopName = (typeof LOOP_NAMES)[number];

/**
 * The first loop not in `taken`, or `null` when all seven are taken.
 *
 * @example
 * nextLoop([]); // "80s_Back_Beat"
 * nextLoop(["80s_Back_Beat", "Amsterdam_Layers", "Degenerating_Pitch_Vox"]); // "Synthetic_String_Bass"
 */
export function nextLoop(taken: Iterable<string>): LoopName | null {
  const used = new Set(taken);
  return LOOP_NAMES.find((name) => !used.has(name)) ?? null;
}

/**
 * The name as the page shows it.
 *
 * @example
 * humanizedName("80s_Back_Beat"); // "80s Back Beat"
 */
export function humanizedName(loop: string): string {
  return loop.replaceAll("_", " ");
}
