// The Sampler surface: zero-copy logits, probs(), topLogprobs(), sampleBatch(), reseed(), masks, and
// properties every configuration must satisfy (fast-check, fixed seeds).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSampler } from "../js/index.js";
import { engineModule } from "../js/engine.js";
import { chiSquare, makeLogits } from "./helpers.js";

const V = 5000;
const logits = makeLogits(V, 11, "llm");

describe("sampler surface", () => {
  it("compiles the module once per process", async () => {
    const a = engineModule();
    await createSampler({ vocabSize: 10 });
    expect(engineModule()).toBe(a);
  });

  it("sampler.logits is a zero-copy view: writing there equals passing the logits", async () => {
    const a = await createSampler({ vocabSize: V, seed: 3, topK: 50 });
    const b = await createSampler({ vocabSize: V, seed: 3, topK: 50 });
    expect(a.logits).toBeInstanceOf(Float32Array);
    expect(a.logits.length).toBe(V);
    for (let i = 0; i < 20; i++) {
      a.logits.set(logits);
      expect(a.sample()).toBe(b.sample(logits));
    }
    a.logits[7] = 1234;
    expect(a.sample()).toBe(7);
  });

  it("never changes the caller's logits, with penalties, bans and bias applied", async () => {
    const s = await createSampler({
      vocabSize: V,
      seed: 1,
      repetitionPenalty: 1.5,
      presencePenalty: 1,
      noRepeatNgramSize: 2,
      logitBias: { 9: -Infinity, 10: 3 },
    });
    const mine = logits.slice();
    s.sample(mine, [1, 2, 3, 1, 2]);
    expect(mine).toEqual(logits);
    s.logits.set(logits);
    s.sample(undefined, [9, 10, 9, 10, 9]);
    expect(s.logits).toEqual(logits);
  });

  it("probs() returns a fresh distribution that sums to 1", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0.7, topP: 0.9 });
    const p = s.probs(logits);
    expect(p.length).toBe(V);
    expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
    p.fill(0);
    expect(s.probs(logits).reduce((a, b) => a + b, 0)).toBeGreaterThan(0.99);
  });

  it("greedy: argmax, lowest id wins ties, one-hot probs", async () => {
    const s = await createSampler({ vocabSize: 6, temperature: 0 });
    const l = new Float32Array([1, 5, 2, 5, -Infinity, 0]);
    expect(s.sample(l)).toBe(1);
    expect(Array.from(s.probs(l))).toEqual([0, 1, 0, 0, 0, 0]);
    expect(s.topLogprobs(3, l)).toEqual([{ token: 1, logprob: 0 }]);
    // penalties still apply under greedy (they are logits processors, not warpers)
    const p = await createSampler({ vocabSize: 6, temperature: 0, repetitionPenalty: 2 });
    expect(p.sample(l, [1])).toBe(3);
  });

  it("topLogprobs: best first, ties by lower id, log of probs(), only kept tokens", async () => {
    const s = await createSampler({ vocabSize: 8, topK: 4 });
    const l = new Float32Array([0, 3, 1, 3, 2, -1, 2, 0.5]);
    const top = s.topLogprobs(10, l);
    expect(top.map((t) => t.token)).toEqual([1, 3, 4, 6]);
    const p = s.probs(l);
    for (const t of top) expect(Math.abs(t.logprob - Math.log(p[t.token]!))).toBeLessThan(1e-5);
    expect(s.topLogprobs(2, l).map((t) => t.token)).toEqual([1, 3]);
    expect(s.topLogprobs(0, l)).toEqual([]);
    const big = await createSampler({ vocabSize: V });
    const bt = big.topLogprobs(5, logits);
    const bp = big.probs(logits);
    const order = Array.from(bp.keys())
      .sort((a, b) => bp[b]! - bp[a]! || a - b)
      .slice(0, 5);
    expect(bt.map((t) => t.token)).toEqual(order);
  });

  it("a generation step reports the drawn token's log-probability and the top list, drawing like sample()", async () => {
    for (const o of [{ minP: 0.02 }, { topP: 0.9 }, {}, { topK: 30, temperature: 0.7 }, { temperature: 0 }]) {
      const s = await createSampler({ vocabSize: V, seed: 5, ...o });
      const twin = await createSampler({ vocabSize: V, seed: 5, ...o });
      const p = s.probs(logits);
      const g = s.generation({ logprobs: 3 });
      for (let i = 0; i < 10; i++) {
        const d = g.step(logits);
        expect(p[d.token]!).toBeGreaterThan(0);
        expect(Math.abs(d.logprob - Math.log(p[d.token]!))).toBeLessThan(1e-5);
        expect(d.topLogprobs).toEqual(s.topLogprobs(3, logits));
        if (!("topP" in o)) expect(d.token).toBe(twin.sample(logits)); // top-p alone draws by rejection in sample()
      }
    }
  });

  it("the same seed gives the same tokens; reseed restarts the stream", async () => {
    const a = await createSampler({ vocabSize: V, seed: 2024, temperature: 1.2 });
    const b = await createSampler({ vocabSize: V, seed: 2024, temperature: 1.2 });
    const first = Array.from({ length: 50 }, () => a.sample(logits));
    expect(Array.from({ length: 50 }, () => b.sample(logits))).toEqual(first);
    a.reseed(2024);
    expect(Array.from({ length: 50 }, () => a.sample(logits))).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it("a draw depends on the distribution only: dense and candidate paths pick the same tokens", async () => {
    // 3,000 tokens in [5, 6], the rest at -10: topK 3000 keeps them as candidates; minP 1e-5 keeps the
    // same 3,000 as a dense threshold (too many for candidates). Same distribution, same seed: same tokens.
    const V2 = 20000;
    const l = new Float32Array(V2).fill(-10);
    const r = makeLogits(V2, 3, "flat");
    for (let i = 0; i < 3000; i++) l[(i * 6151) % V2] = 5 + (Math.abs(r[i]!) % 1);
    const byK = await createSampler({ vocabSize: V2, seed: 9, topK: 3000 });
    const byMinP = await createSampler({ vocabSize: V2, seed: 9, minP: 1e-5 });
    expect(byK.probs(l).filter((x) => x > 0).length).toBe(3000);
    expect(byMinP.probs(l).filter((x) => x > 0).length).toBe(3000);
    for (let i = 0; i < 50; i++) expect(byK.sample(l)).toBe(byMinP.sample(l));
  });

  it("xtc: its own seeded decision, taken with the given probability, shown by probs() before sample()", async () => {
    // four clear top tokens (p >= 0.1 each) and a tail: when XTC applies, only the least likely top token
    // and the tail remain
    const l = new Float32Array(50).fill(0);
    [5, 6, 7, 8].forEach((t, i) => {
      l[t] = 6 - i * 0.3;
    });
    const s = await createSampler({ vocabSize: 50, seed: 4, xtc: { probability: 0.3, threshold: 0.1 } });
    let applied = 0;
    for (let i = 0; i < 2000; i++) {
      const p = s.probs(l);
      const on = p[5] === 0;
      if (on) {
        applied++;
        expect(p[6]).toBe(0);
        expect(p[7]).toBe(0);
        expect(p[8]!).toBeGreaterThan(0);
      }
      expect(p[s.sample(l)]!).toBeGreaterThan(0); // the draw follows the decision probs() showed
    }
    // binomial(2000, 0.3): mean 600, sd ~20.5; 5 sd either way
    expect(applied).toBeGreaterThan(600 - 103);
    expect(applied).toBeLessThan(600 + 103);
    // XTC draws from its own stream: here it draws every time (threshold 0.5, two or more tokens) but never
    // finds two tokens that likely, so the main draws must be exactly those of a sampler without XTC
    const flat = Float32Array.from({ length: 50 }, (_, i) => (i % 7) / 10);
    const a = await createSampler({ vocabSize: 50, seed: 4, xtc: { probability: 0.5, threshold: 0.5 } });
    const b = await createSampler({ vocabSize: 50, seed: 4 });
    for (let i = 0; i < 50; i++) expect(a.sample(flat)).toBe(b.sample(flat));
  });

  it("dry: string sequence breakers map through a vocabulary (or a decode) onto every token containing them", async () => {
    // "a b c a b": DRY lowers "c" (it would continue the repeat "a b"); a breaker ":" inside the repeat stops it
    const vocabulary = ["a", "b", "c", "x:", "d"];
    const l = new Float32Array(5);
    const on = await createSampler({ vocabSize: 5, dry: { multiplier: 2, vocabulary, sequenceBreakers: [":"] } });
    expect(on.probs(l, [0, 1, 2, 0, 1])[2]!).toBeLessThan(0.05);
    expect(on.probs(l, [0, 1, 3, 2, 0, 1, 3, 2])[0]).toBeCloseTo(0.2, 5); // "x:" (3) breaks the repeat
    const viaDecode = await createSampler({
      vocabSize: 5,
      dry: { multiplier: 2, decode: (ids) => vocabulary[ids[0]!]!, sequenceBreakers: [":"] },
    });
    expect(viaDecode.probs(l, [0, 1, 3, 2, 0, 1, 3, 2])).toEqual(on.probs(l, [0, 1, 3, 2, 0, 1, 3, 2]));
    // llama.cpp's default breakers when a vocabulary is given and none are listed
    const defaults = await createSampler({ vocabSize: 5, dry: { multiplier: 2, vocabulary } });
    expect(defaults.probs(l, [0, 1, 3, 2, 0, 1, 3, 2])[0]).toBeCloseTo(0.2, 5);
  });

  it("mirostat: mu starts at 2 tau and moves by eta * (surprise - tau) after each draw; generations keep their own", async () => {
    for (const version of [1, 2] as const) {
      const o = { vocabSize: V, seed: 3, mirostat: { version, tau: 3, eta: 0.2 } };
      const s = await createSampler(o);
      expect(s.mirostatMu).toBe(6);
      let mu = 6;
      for (let i = 0; i < 30; i++) {
        const p = s.probs(logits);
        const t = s.sample(logits);
        expect(p[t]!).toBeGreaterThan(0);
        mu = mu - 0.2 * (-Math.log2(p[t]!) - 3);
        expect(Math.abs(s.mirostatMu - mu)).toBeLessThan(1e-4);
      }
      s.reseed(3);
      expect(s.mirostatMu).toBe(6);
      // a generation has its own mu: the same tokens as a fresh sampler's sample() calls
      const g = (await createSampler(o)).generation();
      const twin = await createSampler(o);
      for (let i = 0; i < 30; i++) expect(g.step(logits).token).toBe(twin.sample(logits));
    }
  });

  it("mirostat v2 whose cut lies below f32's exp range draws from the exp pass as it stands (no re-sum)", async () => {
    // tau 100: mu 200, so p >= 2^-200 keeps every token whose f32 exp is not 0; at 60,000 tokens the finish
    // stays dense and reads the exp pass's sum and block sums. The same distribution as no truncation
    // (tolerance: L1 <= 1e-5), mu moved by the drawn token's log-probability (within 1e-4), and sample()
    // follows probs() (chi-square over 20,000 seeded draws, bins of >= 20 expected).
    const W = 60_000;
    const l = makeLogits(W, 5, "llm");
    const s = await createSampler({ vocabSize: W, seed: 9, mirostat: { version: 2, tau: 100, eta: 0.01 } });
    const plain = (await createSampler({ vocabSize: W })).probs(l);
    const p = s.probs(l);
    let d = 0;
    for (let i = 0; i < W; i++) d += Math.abs(p[i]! - plain[i]!);
    expect(d).toBeLessThan(1e-5);
    let mu = 200;
    const counts = new Uint32Array(W);
    s.logits.set(l);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const t = s.sample();
      counts[t]!++;
      mu = mu - 0.01 * (-Math.log2(p[t]!) - 100);
      if (i < 50) expect(Math.abs(s.mirostatMu - mu)).toBeLessThan(1e-4);
    }
    const { p: pValue } = chiSquare(counts, p, n);
    expect(pValue).toBeGreaterThan(1e-3);
  });

  it("mirostat v2 by hand: tau 1.5 starts at mu 3, keeping p >= 2^-3", async () => {
    const s = await createSampler({ vocabSize: 4, mirostat: { version: 2, tau: 1.5, eta: 0.1 } });
    const p = s.probs(Float32Array.from([0.5, 0.3, 0.15, 0.05], Math.log));
    [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0].forEach((x, i) => expect(Math.abs(p[i]! - x)).toBeLessThan(1e-6));
  });

  it("sampleBatch equals one sample() per row", async () => {
    const a = await createSampler({ vocabSize: V, seed: 8, topK: 20, repetitionPenalty: 1.2 });
    const b = await createSampler({ vocabSize: V, seed: 8, topK: 20, repetitionPenalty: 1.2 });
    const rows = new Float32Array(4 * V);
    const contexts = [[1], [2, 2], [], [3, 4, 5]];
    for (let r = 0; r < 4; r++) rows.set(makeLogits(V, 100 + r, "llm"), r * V);
    const got = a.sampleBatch(rows, 4, contexts);
    const want = Array.from({ length: 4 }, (_, r) => b.sample(rows.subarray(r * V, (r + 1) * V), contexts[r]));
    expect(Array.from(got)).toEqual(want);
    expect(a.sampleBatch(new Float32Array(0), 0).length).toBe(0);
  });

  it("allowedTokens and setAllowedTokens restrict the draw to set bits", async () => {
    const mask = new Uint32Array(Math.ceil(V / 32));
    for (const t of [5, 77, 4999]) mask[t >>> 5]! |= 1 << (t & 31);
    const s = await createSampler({ vocabSize: V, seed: 1, allowedTokens: mask });
    for (let i = 0; i < 30; i++) expect([5, 77, 4999]).toContain(s.sample(logits));
    const m2 = new Uint32Array(mask.length);
    m2[0] = 1 << 3;
    s.setAllowedTokens(m2);
    expect(s.sample(logits)).toBe(3);
    s.setAllowedTokens(null);
    const p = s.probs(logits);
    expect(p.filter((x) => x > 0).length).toBe(V);
    const custom = await createSampler({ vocabSize: V, order: ["topK"], topK: 5 });
    expect(() => custom.setAllowedTokens(m2)).toThrow(/needs "allowedTokens" in the order option/);
  });

  it("penaltyLastN limits the window the penalties see", async () => {
    const l = new Float32Array(4).fill(0);
    const all = await createSampler({ vocabSize: 4, presencePenalty: 100 });
    const last1 = await createSampler({ vocabSize: 4, presencePenalty: 100, penaltyLastN: 1 });
    const none = await createSampler({ vocabSize: 4, presencePenalty: 100, penaltyLastN: 0 });
    expect(Array.from(all.probs(l, [0, 1, 2]), (x) => x > 1e-9)).toEqual([false, false, false, true]);
    expect(Array.from(last1.probs(l, [0, 1, 2]), (x) => x > 1e-9)).toEqual([true, true, false, true]);
    expect(Array.from(none.probs(l, [0, 1, 2]), (x) => x > 1e-9)).toEqual([true, true, true, true]);
  });
});

describe("properties", () => {
  const shapes = fc.constantFrom("llm", "flat", "ties", "peaked", "banned" as const);
  const cfg = { seed: 424242, numRuns: 150 };

  it("probs sum to 1 and sample() picks a token with positive probability", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 1e6 }),
        shapes,
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 50 }),
        async (v, seed, shape, topP, topK) => {
          const l = makeLogits(v, seed, shape);
          if (l.every((x) => x === -Infinity)) l[0] = 0;
          const s = await createSampler({ vocabSize: v, seed, topP, topK });
          const p = s.probs(l);
          expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
          expect(p[s.sample(l)]!).toBeGreaterThan(0);
        },
      ),
      cfg,
    );
  });

  it("a neutral option changes nothing", async () => {
    const neutral = [
      { topK: 0 },
      { topP: 1 },
      { minP: 0 },
      { typicalP: 1 },
      { epsilonCutoff: 0 },
      { etaCutoff: 0 },
      { topNSigma: 0 },
      { repetitionPenalty: 1 },
      { presencePenalty: 0 },
      { frequencyPenalty: 0 },
      { noRepeatNgramSize: 0 },
      { temperature: 1 },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 1e6 }),
        shapes,
        fc.constantFrom(...neutral),
        async (v, seed, shape, o) => {
          const l = makeLogits(v, seed, shape);
          if (l.every((x) => x === -Infinity)) l[0] = 0;
          const a = await createSampler({ vocabSize: v, seed, ...o });
          const b = await createSampler({ vocabSize: v, seed });
          const ctx = [0, 0, Math.min(v - 1, 3)];
          expect(a.probs(l, ctx)).toEqual(b.probs(l, ctx));
          expect(a.sample(l, ctx)).toBe(b.sample(l, ctx));
        },
      ),
      cfg,
    );
  });

  it("topK keeps at least k tokens (more only when tied at the k-th value)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 1e6 }),
        shapes,
        fc.integer({ min: 1, max: 100 }),
        async (v, seed, shape, k) => {
          const l = makeLogits(v, seed, shape);
          if (l.every((x) => x === -Infinity)) l[0] = 0;
          const finite = l.filter((x) => x > -Infinity).length;
          const s = await createSampler({ vocabSize: v, topK: k });
          const kept = s.probs(l).filter((x) => x > 0).length;
          expect(kept).toBeGreaterThanOrEqual(Math.min(k, finite));
          if (kept > k) {
            const sorted = Array.from(l).sort((a, b) => b - a);
            expect(sorted[kept - 1]).toBe(sorted[k - 1]);
          }
        },
      ),
      cfg,
    );
  });
});
