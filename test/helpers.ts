// Shared test helpers: a seeded PRNG, logits generators, distribution comparison.
import { readFileSync } from "node:fs";
import { gaussian, rng } from "../bench/synthetic.mjs";

export { gaussian, rng };

export type Shape = "llm" | "flat" | "ties" | "peaked" | "banned";

/**
 * Logits shaped like a language model's: a Gaussian bulk plus a few strong candidates ("llm"), a flat
 * bulk, quantized values full of exact ties, one dominant token, or a share of -Infinity entries.
 */
export function makeLogits(vocab: number, seed: number, shape: Shape): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) {
    switch (shape) {
      case "llm":
        out[i] = gaussian(r) * 2;
        break;
      case "flat":
        out[i] = gaussian(r) * 0.3;
        break;
      case "ties":
        out[i] = Math.round(gaussian(r) * 4) / 4;
        break;
      case "peaked":
        out[i] = gaussian(r);
        break;
      case "banned":
        out[i] = r() < 0.3 ? -Infinity : gaussian(r) * 2;
        break;
    }
  }
  if (shape === "llm" || shape === "banned") {
    const strong = Math.min(vocab, 1 + Math.floor(r() * 20));
    for (let j = 0; j < strong; j++) out[Math.floor(r() * vocab)] = 8 + r() * 6;
  }
  if (shape === "peaked") out[Math.floor(r() * vocab)] = 25;
  return out;
}

/** Sum of |p - q| over all tokens. */
export function l1(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < p.length; i++) d += Math.abs(p[i]! - q[i]!);
  return d;
}

/** A next-word distribution from data/next-word (CMU trigram LM, BSD-2-Clause; see data/README.md). */
export function nextWord(file: string): Float32Array {
  const b = readFileSync(new URL(`../data/next-word/${file}`, import.meta.url));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
}

/** Upper tail of the chi-square distribution (Wilson-Hilferty normal approximation). */
export function chiSquareP(x2: number, df: number): number {
  const z = (Math.cbrt(x2 / df) - (1 - 2 / (9 * df))) / Math.sqrt(2 / (9 * df));
  // 1 - Phi(z) by the complementary error function (Abramowitz-Stegun 7.1.26)
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const erfc =
    t *
    Math.exp(-((z / Math.SQRT2) ** 2)) *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * Chi-square of observed counts against a distribution: tokens in descending probability, binned so every
 * bin expects >= 20 draws.
 */
export function chiSquare(
  counts: Uint32Array,
  probs: Float32Array,
  draws: number,
): { x2: number; df: number; p: number } {
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
