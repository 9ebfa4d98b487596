// Beam search: hand-worked cases, agreement with a float64 transcription of Hugging Face's algorithm on
// random deterministic "models", the bigram language model against greedy, and errors.
// Scores are compared with a relative tolerance of 1e-5 (the engine's log-softmax sums exp in f32 lanes).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createBeamSearch, createSampler, type BeamSearchOptions } from "../js/index.js";
import { loadBigram } from "../demo/bigram.mjs";
import { gaussian, rng } from "./helpers.js";
import { referenceBeamSearch } from "./beam-reference.js";

type Model = (seq: number[]) => Float32Array;

/** Runs a beam search to the end with `model` giving each live sequence's logits. */
async function runBeams(model: Model, o: BeamSearchOptions) {
  const bs = await createBeamSearch(o);
  let steps = 0;
  while (!bs.done) {
    const seqs = bs.sequences;
    const rows = new Float32Array(seqs.length * o.vocabSize);
    seqs.forEach((s, r) => rows.set(model(s), r * o.vocabSize));
    bs.step(rows);
    steps++;
  }
  return { results: bs.results, steps };
}

/** A deterministic random "model": the logits are a hash of the whole sequence. */
function randomModel(V: number, seed: number, sharpness: number): Model {
  return (seq) => {
    let h = seed >>> 0;
    for (const t of seq) h = Math.imul(h ^ (t + 0x9e3779b9), 0x85ebca6b) >>> 0;
    const r = rng(h);
    return Float32Array.from({ length: V }, () => gaussian(r) * sharpness);
  };
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
}

describe("hand-worked cases", () => {
  // V = 3: token 0 is EOS. Step 1 from the prompt: p = [0.5, 0.3, 0.2]. Step 2: after [1] p = [0.6, 0.2, 0.2],
  // after [2] p = [0.1, 0.1, 0.8]. numBeams 2 keeps K = max(2, 1 + 1) * 2 = 4 candidates (3 exist at step 1).
  const table: Record<string, number[]> = { "": [0.5, 0.3, 0.2], "1": [0.6, 0.2, 0.2], "2": [0.1, 0.1, 0.8] };
  const model: Model = (seq) => Float32Array.from(table[seq.join(",")] ?? [1 / 3, 1 / 3, 1 / 3], Math.log);
  const L = Math.log;
  const base = { vocabSize: 3, numBeams: 2, maxNewTokens: 2, eosTokenId: 0, numReturnSequences: 2 } as const;

  it("lengthPenalty 1: [0] (-0.693 / 1) beats [1, 0] ((ln 0.3 + ln 0.6) / 2 = -0.858)", async () => {
    // step 1: [0] hits EOS among the first two -> finished (ln 0.5); [1], [2] run on.
    // step 2 (length limit, every candidate hits): [1,0] = ln .3 + ln .6, [2,2] = ln .2 + ln .8 are the first two.
    const { results, steps } = await runBeams(model, base);
    expect(steps).toBe(2);
    expect(results.map((r) => r.tokens)).toEqual([[0], [1, 0]]);
    expect(close(results[0]!.score, L(0.5))).toBe(true);
    expect(close(results[1]!.score, (L(0.3) + L(0.6)) / 2)).toBe(true);
  });

  it("lengthPenalty 0: plain sums", async () => {
    const { results } = await runBeams(model, { ...base, lengthPenalty: 0 });
    expect(results.map((r) => r.tokens)).toEqual([[0], [1, 0]]);
    expect(close(results[1]!.score, L(0.3) + L(0.6))).toBe(true);
  });

  it("lengthPenalty 2 favours the longer hypotheses: [1, 0] and [2, 2] beat [0]", async () => {
    const { results } = await runBeams(model, { ...base, lengthPenalty: 2 });
    expect(results.map((r) => r.tokens)).toEqual([
      [1, 0],
      [2, 2],
    ]);
    expect(close(results[0]!.score, (L(0.3) + L(0.6)) / 4)).toBe(true);
    expect(close(results[1]!.score, (L(0.2) + L(0.8)) / 4)).toBe(true);
  });

  it("sequences start from the single prompt row and fill to numBeams", async () => {
    const bs = await createBeamSearch({ vocabSize: 3, numBeams: 2, maxNewTokens: 3, prompt: [2] });
    expect(bs.sequences).toEqual([[2]]);
    bs.step(Float32Array.from([0.5, 0.3, 0.2], L));
    expect(bs.sequences).toEqual([
      [2, 0],
      [2, 1],
    ]);
    expect(bs.scores).toHaveLength(2);
    expect(close(bs.scores[0]!, L(0.5)) && close(bs.scores[1]!, L(0.3))).toBe(true); // tolerance of close()
    bs.step(Float32Array.from([0.1, 0.1, 0.8, 0.9, 0.05, 0.05], L));
    expect(bs.sequences).toEqual([
      [2, 0, 2],
      [2, 1, 0],
    ]); // 0.5 * 0.8 = 0.4 beats 0.3 * 0.9 = 0.27
    expect(close(bs.scores[0]!, L(0.5) + L(0.8)) && close(bs.scores[1]!, L(0.3) + L(0.9))).toBe(true);
  });

  it("earlyStopping true stops as soon as numBeams hypotheses are finished", async () => {
    // every step: EOS most likely. numBeams 2, K = 4: the two best candidates at step 1 are [0] (EOS) and [1].
    const m: Model = () => Float32Array.from([0.7, 0.2, 0.1], L);
    const o = { vocabSize: 3, numBeams: 2, maxNewTokens: 10, eosTokenId: 0, numReturnSequences: 2 };
    const t = await runBeams(m, { ...o, earlyStopping: true });
    expect(t.steps).toBe(2);
    expect(t.results.map((r) => r.tokens)).toEqual([[0], [1, 0]]);
    const f = await runBeams(m, { ...o, earlyStopping: false });
    const n = await runBeams(m, { ...o, earlyStopping: "never" });
    const want = referenceBeamSearch(m, { ...o, eosTokenId: [0], earlyStopping: false });
    expect(f.results.map((r) => r.tokens)).toEqual(want.map((r) => r.tokens));
    f.results.forEach((r, i) => expect(close(r.score, want[i]!.score)).toBe(true));
    expect(n.results.length).toBe(2);
    expect(n.steps).toBeGreaterThanOrEqual(f.steps);
  });
});

describe("agreement with the float64 transcription of Hugging Face's beam search", () => {
  const arb = fc.record({
    V: fc.integer({ min: 3, max: 60 }),
    seed: fc.integer({ min: 0, max: 1e9 }),
    sharpness: fc.constantFrom(0.5, 1.5, 3),
    numBeams: fc.integer({ min: 1, max: 5 }),
    maxNewTokens: fc.integer({ min: 1, max: 8 }),
    nEos: fc.integer({ min: 0, max: 3 }),
    lengthPenalty: fc.constantFrom(1, 0, -0.7, 2, 0.5),
    earlyStopping: fc.constantFrom<boolean | "never">(false, true, "never"),
    numReturn: fc.integer({ min: 1, max: 5 }),
    minNewTokens: fc.integer({ min: 0, max: 3 }),
    promptLen: fc.integer({ min: 0, max: 4 }),
    repetitionPenalty: fc.constantFrom(1, 1.3, 0.8),
    noRepeatNgramSize: fc.constantFrom(0, 0, 2),
    bias: fc.boolean(),
    badWords: fc.boolean(),
  });

  // Hugging Face fills its K candidate slots with -1e9 placeholder beams when fewer than K real candidates
  // exist (a vocabulary, less its banned tokens, smaller than K); those can surface as "finished" with
  // scores near -1e9. This library creates no such beams, so the comparison keeps V >= K + bans + 1,
  // where Hugging Face creates none either.
  it("same results (tokens exactly, scores within 1e-5) for every early-stopping mode and length penalty", async () => {
    await fc.assert(
      fc.asyncProperty(arb, async (c0) => {
        const K = Math.max(2, 1 + c0.nEos) * c0.numBeams;
        const c = { ...c0, V: Math.max(c0.V, K + c0.nEos + 4) };
        const eos = Array.from({ length: c.nEos }, (_, i) => i);
        const r = rng(c.seed ^ 0x1234);
        const prompt = Array.from({ length: c.promptLen }, () => Math.floor(r() * c.V));
        const logitBias = c.bias
          ? new Map([
              [Math.floor(r() * c.V), -1.5],
              [Math.floor(r() * c.V), -Infinity],
            ])
          : undefined;
        const badWordsIds = c.badWords
          ? [[Math.floor(r() * c.V)], [Math.floor(r() * c.V), Math.floor(r() * c.V)]]
          : undefined;
        const o = {
          vocabSize: c.V,
          numBeams: c.numBeams,
          maxNewTokens: Math.max(c.maxNewTokens, c.minNewTokens),
          lengthPenalty: c.lengthPenalty,
          earlyStopping: c.earlyStopping,
          numReturnSequences: Math.min(c.numReturn, c.numBeams),
          minNewTokens: c.minNewTokens,
          prompt,
          repetitionPenalty: c.repetitionPenalty,
          noRepeatNgramSize: c.noRepeatNgramSize,
          logitBias,
          badWordsIds,
        };
        const model = randomModel(c.V, c.seed, c.sharpness);
        const got = (await runBeams(model, { ...o, eosTokenId: eos })).results;
        const want = referenceBeamSearch(model, { ...o, eosTokenId: eos });
        expect(got.map((x) => x.tokens)).toEqual(want.map((x) => x.tokens));
        got.forEach((x, i) => expect(close(x.score, want[i]!.score), `${x.score} vs ${want[i]!.score}`).toBe(true));
      }),
      { seed: 4242, numRuns: 400 },
    );
  }, 120_000);

  // Vocabularies over 4,096: each row's top tokens come from a sampled threshold (one read of the row, the
  // tokens the per-beam transforms touch scored apart), the path the small vocabularies above never take.
  it("same results on vocabularies of 4,097 to 20,000 with penalties, n-gram bans, bias and bad words", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          V: fc.integer({ min: 4097, max: 20000 }),
          seed: fc.integer({ min: 0, max: 1e9 }),
          sharpness: fc.constantFrom(0.5, 1.5, 3),
          numBeams: fc.integer({ min: 1, max: 6 }),
          repetitionPenalty: fc.constantFrom(1, 1.3, 0.8),
          noRepeatNgramSize: fc.constantFrom(0, 2),
          bias: fc.boolean(),
        }),
        async (c) => {
          const r = rng(c.seed ^ 0x5678);
          const o = {
            vocabSize: c.V,
            numBeams: c.numBeams,
            maxNewTokens: 6,
            eosTokenId: [0, 1],
            numReturnSequences: c.numBeams,
            prompt: Array.from({ length: 3 }, () => Math.floor(r() * c.V)),
            repetitionPenalty: c.repetitionPenalty,
            noRepeatNgramSize: c.noRepeatNgramSize,
            logitBias: c.bias ? new Map([[Math.floor(r() * c.V), 4]]) : undefined,
            badWordsIds: [[Math.floor(r() * c.V)]],
          };
          // the tokens already in the sequence boosted, so that the penalties and bans decide among the best
          const base = randomModel(c.V, c.seed, c.sharpness);
          const model: Model = (seq) => {
            const l = base(seq);
            for (const t of seq) l[t] = l[t]! + 4 * c.sharpness;
            return l;
          };
          const got = (await runBeams(model, o)).results;
          const want = referenceBeamSearch(model, o);
          expect(got.map((x) => x.tokens)).toEqual(want.map((x) => x.tokens));
          got.forEach((x, i) => expect(close(x.score, want[i]!.score), `${x.score} vs ${want[i]!.score}`).toBe(true));
        },
      ),
      { seed: 4343, numRuns: 24 },
    );
  }, 120_000);
});

describe("the row's log-softmax normaliser", () => {
  // One read of a row sums exp(x - m0) with m0 the sampled threshold; a max far above m0, a sum that
  // underflowed (vocabularies of 4,096 or fewer shift by 0) and a sample of -inf take a second pass.
  /** The first step's best score is max(x) - logsumexp(x), which tests logZ (float64 reference, 1e-6). */
  async function firstScore(row: Float32Array) {
    const bs = await createBeamSearch({ vocabSize: row.length, numBeams: 1, maxNewTokens: 4 });
    bs.step(row);
    let m = -Infinity;
    for (const x of row) m = Math.max(m, x);
    let z = 0;
    for (const x of row) z += Math.exp(x - m);
    return { got: bs.scores[0]!, want: -Math.log(z), bs };
  }
  const rows: [string, number, (i: number, r: () => number) => number][] = [
    ["a Gaussian bulk", 151936, (_, r) => gaussian(r) * 2],
    ["one logit 400 above the rest", 32000, (i, r) => (i === 31000 ? 400 : gaussian(r))],
    ["every logit near -1000", 32000, (_, r) => -1000 + gaussian(r)],
    ["a small vocabulary near -200 (the sum underflows)", 3000, (_, r) => -200 + gaussian(r)],
    ["a small vocabulary near 200", 3000, (_, r) => 200 + gaussian(r)],
    ["-inf but for 10 tokens (the sample sees none)", 50000, (i, r) => (i % 5000 === 7 ? gaussian(r) : -Infinity)],
  ];
  for (const [name, V, f] of rows) {
    it(name, async () => {
      const r = rng(V);
      const { got, want } = await firstScore(Float32Array.from({ length: V }, (_, i) => f(i, r)));
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
    });
  }

  it("NaN and +Infinity in a large row are errors naming their index; the search keeps working", async () => {
    const V = 50000;
    const r = rng(1);
    const row = Float32Array.from({ length: V }, () => gaussian(r));
    const bs = await createBeamSearch({ vocabSize: V, numBeams: 2, maxNewTokens: 3 });
    for (const [i, x] of [
      [40001, NaN],
      [123, Infinity],
    ] as const) {
      const bad = row.slice();
      bad[i] = x;
      expect(() => bs.step(bad)).toThrow(new RegExp(`logits\\[${i}\\] must be finite or -Infinity, got ${x}`));
      expect(bs.sequences).toEqual([[]]);
    }
    bs.step(row);
    expect(bs.sequences.length).toBe(2);
  });
});

describe("on the bigram language model", () => {
  it("beam search finds sequences with a higher total log-probability than greedy", async () => {
    const lm = loadBigram();
    const V = lm.vocabSize;
    const logprobOf = (prev: number, tok: number) => {
      const l = lm.logits(prev, new Float32Array(V));
      let z = 0;
      for (const x of l) z += Math.exp(x);
      return l[tok]! - Math.log(z);
    };
    let better = 0;
    for (const text of ["", "we are going to", "the president of the", "i would like to"]) {
      const prompt = lm.encode(text);
      const last = (s: number[]) => (s.length ? s[s.length - 1]! : 0);
      // greedy, 8 words, no EOS
      const g = await createSampler({ vocabSize: V, temperature: 0, logitBias: { 0: -Infinity } });
      const seq = [...prompt];
      let greedyLogprob = 0;
      for (let i = 0; i < 8; i++) {
        const t = g.sample(lm.logits(last(seq), new Float32Array(V)));
        greedyLogprob += logprobOf(last(seq), t);
        seq.push(t);
      }
      // beam search, numBeams 4, lengthPenalty 0 (plain sum), same length, EOS banned the same way
      const { results } = await runBeams((s) => lm.logits(last(s), new Float32Array(V)), {
        vocabSize: V,
        numBeams: 4,
        maxNewTokens: 8,
        lengthPenalty: 0,
        prompt,
        logitBias: { 0: -Infinity },
      });
      const best = results[0]!;
      expect(best.tokens.length).toBe(8);
      expect(best.score).toBeGreaterThanOrEqual(greedyLogprob - 1e-4);
      if (best.score > greedyLogprob + 1e-3) better++;
    }
    expect(better).toBeGreaterThan(0);
  });
});

describe("parents", () => {
  it("each live row continues parents[row] of the previous step: its sequence is that one plus a token", async () => {
    const lm = loadBigram();
    const V = lm.vocabSize;
    const bs = await createBeamSearch({ vocabSize: V, numBeams: 5, maxNewTokens: 9, prompt: lm.encode("we are") });
    expect(bs.parents).toEqual([0]);
    let moved = 0;
    while (!bs.done) {
      const before = bs.sequences.map((s) => s.slice());
      bs.sequences.forEach((s, r) => lm.logits(s.at(-1)!, bs.rowView(r)));
      bs.step();
      if (bs.done) break;
      expect(bs.parents).toHaveLength(bs.sequences.length);
      bs.sequences.forEach((s, r) => {
        expect(s.slice(0, -1)).toEqual(before[bs.parents[r]!]);
        if (bs.parents[r] !== r) moved++;
      });
    }
    expect(moved).toBeGreaterThan(0); // beams do change places: an identity would not pass
  });
});

describe("beam search errors", () => {
  it("rejects bad options", async () => {
    const cases: [Partial<BeamSearchOptions>, RegExp][] = [
      [{ numBeams: 0 }, /numBeams must be an integer in \[1, 256\], got 0/],
      [{ numBeams: 2, numReturnSequences: 3 }, /numReturnSequences must be an integer in \[1, 2\], got 3/],
      [{ maxNewTokens: 0 }, /maxNewTokens must be an integer >= 1, got 0/],
      [{ earlyStopping: "always" as unknown as boolean }, /earlyStopping must be true, false or "never", got "always"/],
      [{ lengthPenalty: NaN }, /lengthPenalty must be a finite number, got NaN/],
      [{ eosTokenId: 10 }, /eosTokenId must be a token id in \[0, 10\), got 10/],
      [{ minNewTokens: 9 }, /minNewTokens must be an integer in \[0, 5\], got 9/],
      [{ prompt: [1, -1] }, /prompt\[1\] must be a token id in \[0, 10\), got -1/],
      [{ topK: 5 } as Partial<BeamSearchOptions>, /unknown beam search option "topK"/],
    ];
    for (const [o, msg] of cases) {
      await expect(createBeamSearch({ vocabSize: 10, numBeams: 2, maxNewTokens: 5, ...o })).rejects.toThrow(msg);
    }
  });

  it("wrong number of rows, NaN, and a step after done; a failed step changes nothing", async () => {
    const bs = await createBeamSearch({ vocabSize: 4, numBeams: 2, maxNewTokens: 2 });
    const row = Float32Array.from([0.1, 0.2, 0.3, 0.4], Math.log);
    expect(() => bs.step(new Float32Array(8))).toThrow(
      /logits\.length must be sequences\.length \* vocabSize \(1 \* 4 = 4\), got 8/,
    );
    const bad = row.slice();
    bad[2] = NaN;
    expect(() => bs.step(bad)).toThrow(/logits\[2\] must be finite or -Infinity, got NaN/);
    expect(bs.sequences).toEqual([[]]);
    bs.step(row);
    expect(bs.sequences).toEqual([[3], [2]]);
    const two = new Float32Array(8);
    two.set(row);
    two.set(row, 4);
    two[5] = Infinity;
    expect(() => bs.step(two)).toThrow(/logits\[5\] must be finite or -Infinity, got Infinity/);
    two[5] = 0;
    bs.step(two);
    expect(bs.done).toBe(true);
    expect(() => bs.step(two)).toThrow(/step\(\) after the beam search is done/);
  });
});
