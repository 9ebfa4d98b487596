// sample() draws exactly from probs(): 200,000 seeded draws per setting from real next-word distributions
// (data/next-word, CMU trigram LM), binned so every bin expects >= 20 draws, chi-square against probs().
// With fixed seeds the outcome is deterministic; the threshold p > 1e-3 would flag a biased draw.
import { describe, expect, it } from "vitest";
import { createSampler, type SamplerOptions } from "../js/index.js";
import { chiSquare, makeLogits, nextWord } from "./helpers.js";

const DRAWS = 200_000;

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

/**
 * `draws` seeded sample() calls on these logits never pick a token probs() gives 0, and their counts pass a
 * chi-square test against probs() (p > 1e-3).
 */
async function followsProbs(logits: Float32Array, o: Omit<SamplerOptions, "vocabSize">, draws: number): Promise<void> {
  const vocab = logits.length;
  const s = await createSampler({ vocabSize: vocab, ...o });
  const p = s.probs(logits);
  const counts = new Uint32Array(vocab);
  s.logits.set(logits);
  for (let i = 0; i < draws; i++) counts[s.sample()]!++;
  for (let i = 0; i < vocab; i++) if (counts[i]! > 0) expect(p[i]!).toBeGreaterThan(0);
  const { p: pValue, x2, df } = chiSquare(counts, p, draws);
  expect(pValue, `chi2 ${x2.toFixed(1)} on ${df} df`).toBeGreaterThan(1e-3);
}

describe("sample() follows probs() (chi-square, 200k draws each)", () => {
  settings.forEach(([name, file, vocab, o], k) => {
    it(name, async () => {
      await followsProbs(nextWord(file).subarray(0, vocab), { seed: 1000 + k, ...o }, DRAWS);
    }, 120_000);
  });

  // Dense top-p draws and then sums the mass ahead of the drawn token: over the few tokens at or above it
  // (gathered), or over stored exp values when more than 1,024 lie ahead (a flat bulk). Both, and ties:
  for (const [shape, vocab, topP] of [
    ["flat", 20_000, 0.9],
    ["ties", 20_000, 0.8],
    ["llm", 50_000, 0.95],
  ] as const) {
    it(`topP ${topP} on ${vocab} "${shape}" logits (both ways of summing the mass ahead)`, async () => {
      await followsProbs(makeLogits(vocab, 77, shape), { seed: 31, topP }, DRAWS / 2);
    }, 120_000);
  }

  // Typical sampling whose kept set reaches the max (the tokens near the entropy weigh less than p) is
  // top-p's cut with its ties kept: as the last transform of a draw it is placed by the same rejection draw
  // (each case here takes that path: a 3% error in its mass fails each of them). "banned": 30% of the
  // tokens -inf; "quarters": the "llm" logits rounded to multiples of 1/4, so ties straddle the cut (counting
  // them as top-p does fails it).
  for (const [shape, vocab, typicalP, temperature] of [
    ["llm", 50_000, 0.9, 1],
    ["banned", 60_000, 0.9, 1],
    ["quarters", 40_000, 0.8, 1],
  ] as const) {
    it(`typicalP ${typicalP} on ${vocab} "${shape}" logits (the deferred cut)`, async () => {
      const logits = makeLogits(vocab, 91, shape === "banned" ? "banned" : "llm");
      if (shape === "quarters") for (let i = 0; i < vocab; i++) logits[i] = Math.round(logits[i]! * 4) / 4;
      await followsProbs(logits, { seed: 37, typicalP, temperature }, DRAWS / 2);
    }, 120_000);
  }

  it("the chi-square check rejects a biased sampler (sanity check of the test itself)", () => {
    const p = new Float32Array([0.5, 0.3, 0.2]);
    const biased = new Uint32Array([0.52 * DRAWS, 0.29 * DRAWS, 0.19 * DRAWS]);
    expect(chiSquare(biased, p, DRAWS).p).toBeLessThan(1e-6);
  });
});
