// Seeded inputs shared by the benchmark and the tests.

/** mulberry32: a tiny seeded PRNG for building inputs (not the engine's generator). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal variate (Box-Muller) from a uniform source. */
export function gaussian(r) {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Logits shaped like a language model's: a Gaussian bulk (sd 2) and 20 strong candidates 8..14 above it. */
export function syntheticLogits(vocab, seed = 42) {
  const r = rng(seed);
  const out = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) out[i] = gaussian(r) * 2;
  for (let j = 0; j < 20; j++) out[Math.floor(r() * vocab)] = 8 + r() * 6;
  return out;
}
