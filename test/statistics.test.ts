// sample() draws exactly from probs(): 200,000 seeded draws per setting from real next-word distributions
// (data/next-word, CMU trigram LM), binned so every bin expects >= 20 draws, chi-square against probs().
// With fixed seeds the outcome is deterministic; the threshold p > 1e-3 would flag a biased draw.
import { describe, expect, it } from "vitest";
import { createSampler, type SamplerOptions } from "../js/index.js";
import { nextWord } from "./helpers.js";

const DRAWS = 200_000;

/** Upper tail of the chi-square distribution (Wilson-Hilferty normal approximation). */
function chiSquareP(x2: number, df: number): number {
  const z = (Math.cbrt(x2 / df) - (1 - 2 / (9 * df))) / Math.sqrt(2 / (9 * df));
  // 1 - Phi(z) by the complementary error function (Abramowitz-Stegun 7.1.26)
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const erfc =
    t *
    Math.exp(-((z / Math.SQRT2) ** 2)) *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

function chiSquare(counts: Uint32Array, probs: Float32Array, draws: number): { x2: number; df: number; p: number } {
  const ids = Array.from(probs.keys())
    .filter((i) => probs[i]! > 0)
    .sort((a, b) => probs[b]! - probs[a]!);
  let x2 = 0,
    bins = 0,
    obs = 0,
    exp = 0;
  for (const i of ids) {
    obs += counts[i]!;
    exp += probs[i]! * draws;
    if (exp >= 20) {
      x2 += (obs - exp) ** 2 / exp;
      bins++;
      obs = exp = 0;
    }
  }
  if (exp > 0) {
    x2 += (obs - exp) ** 2 / Math.max(exp, 1e-9);
    bins++;
  }
  const df = Math.max(1, bins - 1);
  return { x2, df, p: chiSquareP(x2, df) };
}

const settings: [string, string, number, Omit<SamplerOptions, "vocabSize">][] = [
  ["topK 40", "00.f32", 72546, { topK: 40 }],
  ["minP 0.05, temperature 0.7", "03.f32", 72546, { minP: 0.05, temperature: 0.7 }],
  ["temperature 1.3, topK 200, topP 0.9", "05.f32", 72546, { temperature: 1.3, topK: 200, topP: 0.9 }],
  [
    "llama.cpp order: topK 100, typicalP 0.9, temperature 0.8",
    "07.f32",
    72546,
    { topK: 100, typicalP: 0.9, temperature: 0.8, order: "llama.cpp" },
  ],
  ["plain sampling (dense draw), first 4096 words", "02.f32", 4096, {}],
  ["topP 0.95 alone (dense top-p), first 8192 words", "06.f32", 8192, { topP: 0.95 }],
  ["epsilonCutoff 3e-4, first 8192 words", "04.f32", 8192, { epsilonCutoff: 3e-4 }],
];

describe("sample() follows probs() (chi-square, 200k draws each)", () => {
  settings.forEach(([name, file, vocab, o], k) => {
    it(name, async () => {
      const logits = nextWord(file).subarray(0, vocab);
      const s = await createSampler({ vocabSize: vocab, seed: 1000 + k, ...o });
      const p = s.probs(logits);
      const counts = new Uint32Array(vocab);
      s.logits.set(logits);
      for (let i = 0; i < DRAWS; i++) counts[s.sample()]!++;
      for (let i = 0; i < vocab; i++) if (counts[i]! > 0) expect(p[i]!).toBeGreaterThan(0);
      const { p: pValue, x2, df } = chiSquare(counts, p, DRAWS);
      expect(pValue, `chi2 ${x2.toFixed(1)} on ${df} df`).toBeGreaterThan(1e-3);
    }, 120_000);
  });

  it("the chi-square check rejects a biased sampler (sanity check of the test itself)", () => {
    const p = new Float32Array([0.5, 0.3, 0.2]);
    const biased = new Uint32Array([0.52 * DRAWS, 0.29 * DRAWS, 0.19 * DRAWS]);
    expect(chiSquare(biased, p, DRAWS).p).toBeLessThan(1e-6);
  });
});
