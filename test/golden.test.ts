// Golden tokens: a fixed seed and fixed logits must give these tokens, in this version, on every runtime.
// A change here is a change of the sampling stream: make it on purpose and say so in the commit.
import { describe, expect, it } from "vitest";
import { createSampler, type SamplerOptions } from "../js/index.js";
import { nextWord } from "./helpers.js";

/** 32,000 logits in [-6, 6) from a 32-bit LCG: independent of any library's random numbers. */
function lcgLogits(): Float32Array {
  const out = new Float32Array(32000);
  let a = 12345;
  for (let i = 0; i < out.length; i++) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    out[i] = ((a >>> 8) / 16777216) * 12 - 6;
  }
  return out;
}

const SETTINGS: Record<string, Omit<SamplerOptions, "vocabSize">> = {
  plain: {},
  greedy: { temperature: 0 },
  topK: { topK: 40, temperature: 0.9 },
  topP: { topP: 0.9 },
  minP: { minP: 0.05, temperature: 1.2 },
  typical: { typicalP: 0.8 },
  llama: { order: "llama.cpp", topK: 40, topP: 0.95, minP: 0.05, temperature: 0.8, repetitionPenalty: 1.1 },
};

const GOLDEN: Record<string, number[]> = {
  "plain/real": [
    65564, 65564, 18482, 38084, 44876, 71948, 65564, 63677, 65564, 70710, 29581, 65564, 65564, 59240, 65564, 37789,
  ],
  "plain/synthetic": [
    28057, 20748, 2923, 6487, 8709, 31851, 28114, 12001, 23813, 31441, 4960, 29394, 12900, 10917, 24673, 6129,
  ],
  "greedy/real": [
    65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564,
  ],
  "greedy/synthetic": [3915, 3915, 3915, 3915, 3915, 3915, 3915, 3915, 3915, 3915, 3915, 3915, 3915, 3915, 3915, 3915],
  "topK/real": [
    65564, 65564, 44267, 65564, 65564, 71948, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564,
  ],
  "topK/synthetic": [
    26542, 20325, 3679, 6297, 7447, 31780, 26542, 10552, 24385, 31780, 5785, 29351, 11993, 10179, 24656, 6187,
  ],
  "topP/real": [
    65564, 65564, 18482, 38084, 44876, 71948, 65564, 63677, 65564, 70710, 29581, 65564, 65564, 59240, 65564, 37789,
  ],
  "topP/synthetic": [
    28057, 20748, 2923, 6487, 8709, 28114, 12001, 23813, 31441, 4960, 12900, 10917, 6129, 11671, 8882, 30239,
  ],
  "minP/real": [
    65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564,
  ],
  "minP/synthetic": [
    28064, 20758, 2923, 6504, 8689, 31855, 28120, 12030, 23818, 31441, 4989, 29404, 12916, 10931, 24676, 6129,
  ],
  "typical/real": [
    65564, 65564, 18482, 38084, 44876, 71948, 65564, 65564, 70710, 65564, 65564, 65564, 37789, 61747, 65564, 44405,
  ],
  "typical/synthetic": [
    28061, 20814, 2901, 6675, 8750, 31873, 28114, 12045, 23813, 31502, 4983, 29468, 12972, 10972, 24690, 6190,
  ],
  "llama/real": [
    65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564, 65564,
  ],
  "llama/synthetic": [
    26166, 20004, 3679, 6297, 9029, 31780, 28647, 12389, 24089, 30607, 4101, 29060, 12559, 9183, 22434, 6187,
  ],
};

describe("golden tokens (seed 20261126, 16 steps, each token appended to the context)", () => {
  const inputs: Record<string, Float32Array> = { real: nextWord("00.f32"), synthetic: lcgLogits() };
  for (const key of Object.keys(GOLDEN)) {
    it(key, async () => {
      const [name, input] = key.split("/") as [string, string];
      const logits = inputs[input]!;
      const s = await createSampler({ vocabSize: logits.length, seed: 20261126, ...SETTINGS[name] });
      const ctx: number[] = [];
      for (let i = 0; i < 16; i++) ctx.push(s.sample(logits, ctx));
      expect(ctx).toEqual(GOLDEN[key]);
    });
  }
});
