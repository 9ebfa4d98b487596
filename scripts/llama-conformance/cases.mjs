// The logits of a conformance case, from its seed: integer arithmetic and float32 rounding only, so the
// generator (for llama.cpp) and the test (for llm-sampler) see the same bits.
import { rng as mulberry32 } from "../../bench/synthetic.mjs";

export { mulberry32 };

/** Logits shaped like a language model's: a broad low body and a few tokens well above it. */
export function caseLogits(vocab, seed) {
  const r = mulberry32(seed);
  const out = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) {
    const u = r(),
      v = r();
    out[i] = -4 + 8 * u + (v < 0.02 ? 4 + 6 * r() : 0);
  }
  return out;
}
