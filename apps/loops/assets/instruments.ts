// The seven loops, synthesized: each is a list of notes on the 32 sixteenth-note steps of a
// measure, played by a small oscillator or noise voice. No audio files.

export type Voice = (ctx: AudioContext, out: AudioNode, at: number, noise: AudioBuffer) => void;
export interface Note {
  step: number;
  voice: Voice;
}

const A = 220;
const semitone = (n: number) => A * 2 ** (n / 12);

function envelope(ctx: AudioContext, out: AudioNode, at: number, peak: number, attack: number, decay: number): GainNode {
  const gain = ctx.createGain();
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(peak, at + attack);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + attack + decay);
  gain.connect(out);
  return gain;
}

function tone(type: OscillatorType, freq: number, peak: number, attack: number, decay: number, glideTo?: number): Voice {
  return (ctx, out, at) => {
    const osc = ctx.createOscillator();
    osc.type = type;
    osc.frequency.setValueAtTime(freq, at);
    if (glideTo !== undefined) osc.frequency.exponentialRampToValueAtTime(glideTo, at + attack + decay);
    osc.connect(envelope(ctx, out, at, peak, attack, decay));
    osc.start(at);
    osc.stop(at + attack + decay + 0.05);
  };
}

function filtered(type: OscillatorType, freq: number, cutoff: number, peak: number, attack: number, decay: number): Voice {
  return (ctx, out, at) => {
    const osc = ctx.createOscillator();
    osc.type = type;
    osc.frequency.setValueAtTime(freq, at);
    const filter = ctx.createBiquadFilter();
    filter.type = "lowpass";
    filter.frequency.setValueAtTime(cutoff, at);
    osc.connect(filter).connect(envelope(ctx, out, at, peak, attack, decay));
    osc.start(at);
    osc.stop(at + attack + decay + 0.05);
  };
}

function noise(type: BiquadFilterType, freq: number, q: number, peak: number, decay: number): Voice {
  return (ctx, out, at, buffer) => {
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    const filter = ctx.createBiquadFilter();
    filter.type = type;
    filter.frequency.setValueAtTime(freq, at);
    filter.Q.setValueAtTime(q, at);
    source.connect(filter).connect(envelope(ctx, out, at, peak, 0.002, decay));
    source.start(at);
    source.stop(at + decay + 0.05);
  };
}

const both =
  (...voices: Voice[]): Voice =>
  (ctx, out, at, buffer) => {
    for (const voice of voices) voice(ctx, out, at, buffer);
  };

const notes = (steps: number[], voice: (i: number) => Voice): Note[] => steps.map((step, i) => ({ step, voice: voice(i) }));
const range = (from: number, to: number, by: number) => Array.from({ length: Math.ceil((to - from) / by) }, (_, i) => from + i * by);

const kick = tone("sine", 150, 0.9, 0.003, 0.35, 40);
const snare = both(noise("highpass", 1_500, 0.7, 0.5, 0.18), tone("triangle", 190, 0.3, 0.002, 0.1));
const hat = noise("highpass", 8_000, 0.8, 0.18, 0.04);

/** Step lists per loop, in the cycler's order. */
export const LOOPS: Record<string, Note[]> = {
  "80s_Back_Beat": [...notes([0, 10, 16, 26], () => kick), ...notes([8, 24], () => snare), ...notes(range(0, 32, 2), () => hat)],
  Amsterdam_Layers: [0, 8, 16, 24].flatMap((step, i) =>
    [0, 3, 7].map((third) => ({ step, voice: filtered("sawtooth", semitone([0, -4, -7, -2][i] + third), 1_400, 0.08, 0.25, 1.0) })),
  ),
  Synthetic_String_Bass: notes([0, 3, 6, 8, 12, 16, 19, 22, 24, 28], (i) =>
    filtered("square", semitone([-24, -24, -12, -19, -17, -24, -24, -12, -14, -17][i]), 700, 0.3, 0.01, 0.25),
  ),
  Degenerating_Pitch_Vox: notes([0, 6, 12, 16, 22, 28], (i) =>
    tone("triangle", semitone([12, 15, 10, 12, 19, 7][i]), 0.25, 0.05, 0.6, semitone([12, 15, 10, 12, 19, 7][i] - 5)),
  ),
  Kyoto_Night_Guitar: notes(range(0, 32, 2), (i) => tone("triangle", semitone([12, 15, 17, 19, 22, 19, 17, 15][i % 8] + (i >= 8 ? -2 : 0)), 0.22, 0.003, 0.45)),
  Conga_Groove: notes([0, 3, 6, 7, 10, 14, 16, 19, 22, 23, 26, 30], (i) =>
    tone("sine", [330, 330, 220, 247, 330, 220][i % 6], 0.45, 0.002, 0.16, [280, 280, 190, 210, 280, 190][i % 6]),
  ),
  African_Rain_Caxixi: notes(range(0, 32, 1), (i) => noise("bandpass", 5_000, 2.5, i % 4 === 0 ? 0.3 : i % 2 === 0 ? 0.16 : 0.08, 0.05)),
};
