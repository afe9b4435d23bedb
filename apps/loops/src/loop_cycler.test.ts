import { describe, expect, test } from "vitest";
import { LOOP_NAMES, humanizedName, nextLoop } from "./loop_cycler.js";

describe("LoopCycler", () => {
  test("the seven loops in the original's order", () => {
    expect(LOOP_NAMES).toEqual([
      "80s_Back_Beat",
      "Amsterdam_Layers",
      "Synthetic_String_Bass",
      "Degenerating_Pitch_Vox",
      "Kyoto_Night_Guitar",
      "Conga_Groove",
      "African_Rain_Caxixi",
    ]);
  });

  test("with no loops taken, the first loop", () => {
    expect(nextLoop([])).toBe("80s_Back_Beat");
  });

  test("the first loop not taken, whatever the order taken", () => {
    expect(nextLoop(["80s_Back_Beat", "Amsterdam_Layers", "Degenerating_Pitch_Vox"])).toBe("Synthetic_String_Bass");
    expect(nextLoop(["Amsterdam_Layers"])).toBe("80s_Back_Beat");
  });

  test("all seven taken → none", () => {
    expect(nextLoop([...LOOP_NAMES].reverse())).toBeNull();
  });

  test("names are shown with spaces", () => {
    expect(humanizedName("Degenerating_Pitch_Vox")).toBe("Degenerating Pitch Vox");
  });
});
