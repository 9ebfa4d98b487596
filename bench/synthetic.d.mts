/** mulberry32: a tiny seeded PRNG for building inputs (not the engine's generator). */
export function rng(seed: number): () => number;
/** A standard normal variate (Box-Muller) from a uniform source. */
export function gaussian(r: () => number): number;
/** Logits shaped like a language model's: a Gaussian bulk (sd 2) and 20 strong candidates 8..14 above it. */
export function syntheticLogits(vocab: number, seed?: number): Float32Array;
