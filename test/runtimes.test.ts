// The same tokens on every runtime: test/runtimes/cases.ts, bundled once per entry (the default one with the
// inlined wasm, and the workerd one that imports sampler.wasm), runs in Node, Deno, Bun, headless Chromium
// (a page on 127.0.0.1) and workerd (a worker on 127.0.0.1). Every digest must equal the pinned one, which
// covers every token id and the exact bits of every probability, logprob and beam score the cases produce.
// Cold instantiate times go to test-output/runtimes.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { describe, expect, it, beforeAll } from "vitest";
// @ts-expect-error: a plain ESM script without types
import { prepare, runIn, RUNTIMES } from "./runtimes/harness.mjs";
import type { RuntimeReport } from "./runtimes/cases.js";

/**
 * Pinned when the cases were written (all five runtimes agreed on the first run), and re-pinned three
 * times: the beam normaliser became a one-read blocked sum, which moves the last bits of the beam scores;
 * then the generation case's digest moved (only that case's), because a token's text is now released once
 * the next token has not changed it; then the exp kernel became XNNPACK's rr2-p5 (degree-5 minimax
 * polynomial, no clamp), which moves the last bits of every probability. The speculative case was added
 * later (every earlier case's digest unchanged); then the unthresholded exp passes changed how they
 * accumulate (twice), which moves the last bits of the "plain" and "bias" cases' probabilities (no token
 * moved; dense top-p's new draw gives the same tokens); then typical sampling's dense path took its weights
 * from the f32 exp pass (the "typical" case's probabilities move in their last bits) and the beam row's
 * normaliser became a separate exp-sum pass against the row's max (the "beam" case's scores move in their
 * last bits; the same tokens); then the exp kernel became exp2 with the temperature folded into its one
 * multiply (m = (x - max) * s * log2(e), 2^round(m) from the exponent bits, a fitted degree-5 polynomial for
 * the rest; relative error 3e-7 where rr2-p5 with XNNPACK's constants gave 3e-6), which moves the last bits
 * of every probability (the golden tokens hold); then one exp pass (stored, with block sums) replaced
 * the block-sum pass and its one-block recompute, so a draw after an exp pass needs no second pass and
 * candidates gathered after one take their weights from it: the "plain", "bias", "beam" cases' sums and
 * the "typical", "eta", "dynTemp", "mirostat" cases' probabilities move in their last bits (the golden
 * tokens hold); then candidates gathered after any exp pass of the run (top-p's cut included) took their
 * weights from it: the "topPOnly" case's probabilities move in their last bits; then the beam row's
 * normaliser became one read of the row that sums exp(x - t) for its sampled threshold t (no max first):
 * the "beam" case's scores move in their last bits (1e-7; the same tokens, every other case unchanged); then
 * the engine's f64 exp and ln became its own (assembly/math.ts, within an ulp of V8's where musl's were): a
 * few logprobs of the "topPOnly" and "speculative" cases move by 1-3 ulps (the same tokens, every other
 * case unchanged); then its exp summed the series by Estrin's scheme: two logprobs of the "speculative"
 * case move by an ulp (the same tokens, every other case unchanged); then the exp pass with the entropy's
 * moment summed each into one accumulator (fewer live vectors: V8 had kept three on the stack): the
 * "dynTemp" case's probabilities and logprobs move in their last bits (its entropy, then its temperature,
 * rounds differently; the same tokens, every other case unchanged, 7 runtimes agree).
 * Change it only for an intended change of the outputs, and say so in the commit.
 */
const GOLDEN = "ea6cc50d0d23d69988a58469d64be029d0cc32d6daa64c3921a9824a9942eaca";
const dir = new URL("../test-output/runtimes/", import.meta.url).pathname;
const reports: Record<string, RuntimeReport> = {};

describe("cross-runtime determinism", () => {
  beforeAll(async () => {
    await prepare("test/runtimes/cases-main.ts", dir);
  }, 120_000);

  for (const runtime of RUNTIMES as string[]) {
    it(`${runtime}: the digest of every case equals the golden digest`, async () => {
      const r = (await runIn(runtime, dir)) as RuntimeReport;
      reports[runtime] = r;
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        `${dir}../runtimes.json`,
        JSON.stringify(
          Object.fromEntries(
            Object.entries(reports).map(([k, v]) => [
              k,
              { digest: v.digest, coldInstantiateMs: v.coldInstantiateMs, perCase: v.perCase },
            ]),
          ),
          null,
          2,
        ),
      );
      expect(r.cases).toBe(16);
      expect(r.digest, JSON.stringify(r.perCase)).toBe(GOLDEN);
    }, 300_000);
  }
});
