// Random chains under order "llama.cpp" against llama.cpp's own sampler code: the vectors in
// test/data/llama-conformance.json were made by scripts/llama-conformance/generate.mjs (llama.cpp's
// src/llama-sampler.cpp compiled with a small harness; its source version is in the file).
//
// Tolerance: L1 distance <= 1e-4 between the distributions. llama.cpp computes in float32 (logit / T,
// softmax with expf, penalties in one expression), the engine in float32 SIMD and float64; the distance is
// ~1e-6 unless a cut lands within float rounding of a boundary, which the random logits avoid.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createSampler, type SamplerOptions } from "../js/index.js";
import { caseLogits } from "../scripts/llama-conformance/cases.mjs";

interface Case {
  index: number;
  vocab: number;
  logitsSeed: number;
  context: number[];
  logitBias: [number, number | "-Infinity"][];
  options: Omit<SamplerOptions, "vocabSize" | "order" | "logitBias">;
  expected: [number, number][];
}

const data = JSON.parse(readFileSync(new URL("./data/llama-conformance.json", import.meta.url), "utf8")) as {
  source: string;
  cases: Case[];
};
const TOLERANCE = 1e-4;

describe(`order "llama.cpp" agrees with llama.cpp's samplers on ${data.cases.length} random chains`, () => {
  it(`each chain's distribution within L1 ${TOLERANCE} (${data.source})`, async () => {
    const failures: string[] = [];
    for (const c of data.cases) {
      const logitBias = new Map(c.logitBias.map(([t, b]) => [t, b === "-Infinity" ? -Infinity : b]));
      const s = await createSampler({ vocabSize: c.vocab, seed: 1, order: "llama.cpp", logitBias, ...c.options });
      const expected = new Float64Array(c.vocab);
      for (const [t, p] of c.expected) expected[t] = p;
      const got = s.probs(caseLogits(c.vocab, c.logitsSeed), c.context);
      let d = 0;
      for (let i = 0; i < c.vocab; i++) d += Math.abs(got[i]! - expected[i]!);
      if (!(d <= TOLERANCE)) failures.push(`case ${c.index} (vocab ${c.vocab}, ${JSON.stringify(c.options)}): L1 ${d}`);
    }
    expect(failures).toEqual([]);
  });
});
