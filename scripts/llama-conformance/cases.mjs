// The logits of a conformance case, from its seed: integer arithmetic and float32 rounding only, so the
// generator (for llama.cpp) and the test (for llm-sampler) see the same bits.

/** mulberry32: a small 32-bit PRNG, uniform in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
