// Speculative decoding (verifyDraft): the emitted tokens must follow the target's distribution exactly.
// Statistical tests draw the draft tokens from the draft rows' distributions (as a draft model would) with
// the test's own seeded generator, and compare what verifyDraft emits with the target rows' distributions
// (chi-square, p > 1e-3, over real next-word distributions); hand-worked cases, greedy properties, the
// generation's EOS / stop / length handling and every bad input follow. Floats compare within 1e-5.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSampler, type Generation, type Sampler, type SamplerOptions, verifyDraft } from "../js/index.js";
import { chiSquare, makeLogits, nextWord, rng } from "./helpers.js";

/** Index drawn from a distribution by inverse CDF at u in [0, 1). */
function drawFrom(p: Float32Array, u: number): number {
  let acc = 0,
    last = -1;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! > 0) last = i;
    acc += p[i]!;
    if (u < acc && p[i]! > 0) return i;
  }
  return last;
}

/** Rows laid end to end, as verifyDraft takes them. */
function rows(list: Float32Array[]): Float32Array {
  const V = list[0]?.length ?? 0;
  const out = new Float32Array(list.length * V);
  list.forEach((r, j) => out.set(r, j * V));
  return out;
}

/** log of probabilities, -Infinity at 0: logits whose softmax is p. */
function logitsOf(p: number[]): Float32Array {
  return new Float32Array(p.map((x) => Math.log(x)));
}

const V = 1024; // the first 1,024 words of each real next-word distribution

function word(file: string): Float32Array {
  return nextWord(file).slice(0, V);
}

type DraftKind = "far off" | "close" | "identical";

function draftRowsFor(kind: DraftKind, targets: Float32Array[], seed: number): Float32Array[] {
  return targets.slice(0, -1).map((t, j) => {
    if (kind === "identical") return t.slice();
    if (kind === "far off") {
      // the draft prefers what the target finds unlikely
      const r = makeLogits(V, seed + j, "flat");
      for (let i = 0; i < V; i++) r[i] = -0.5 * t[i]! + r[i]!;
      return r;
    }
    const r = makeLogits(V, seed + j, "flat");
    for (let i = 0; i < V; i++) r[i] = t[i]! + 2 * r[i]!;
    return r;
  });
}

const TRIALS = 30_000;

describe("verifyDraft emits the target's distribution (chi-square, 30,000 trials, k = 2)", () => {
  const settings: [DraftKind, Omit<SamplerOptions, "vocabSize">][] = [
    ["far off", { temperature: 0.9 }],
    ["close", { temperature: 1.2, topK: 200, topP: 0.95 }],
    ["identical", { minP: 0.01, temperature: 0.8 }],
    ["close", { order: "llama.cpp", topK: 100, typicalP: 0.9, temperature: 0.8 }],
  ];
  settings.forEach(([kind, opts], n) => {
    it(`${kind} draft, ${JSON.stringify(opts)}`, async () => {
      const targets = [word("00.f32"), word("03.f32"), word("05.f32")];
      const drafts = draftRowsFor(kind, targets, 100 * n);
      const s = await createSampler({ vocabSize: V, seed: 7 + n, ...opts });
      const p = targets.map((t) => s.probs(t));
      const q = drafts.map((d) => s.probs(d));
      const tRows = rows(targets),
        dRows = rows(drafts);
      const counts = p.map(() => new Uint32Array(V));
      const seen = [0, 0, 0];
      let accepted = 0;
      const u = rng(1234 + n);
      for (let trial = 0; trial < TRIALS; trial++) {
        const draft = q.map((qj) => drawFrom(qj, u()));
        const r = verifyDraft(s, draft, dRows, tRows);
        expect(r.tokens.length).toBe(r.accepted + 1);
        expect(r.tokens.slice(0, r.accepted)).toEqual(draft.slice(0, r.accepted));
        r.tokens.forEach((t, j) => {
          counts[j]![t]!++;
          seen[j]!++;
        });
        accepted += r.accepted;
      }
      // the first emitted token follows p_0; the j-th, when emitted, p_j (the rows do not depend on context)
      for (let j = 0; j < 3; j++) {
        if (seen[j]! < 2000) continue;
        const { p: pValue, x2, df } = chiSquare(counts[j]!, p[j]!, seen[j]!);
        expect(pValue, `token ${j}: chi2 ${x2.toFixed(1)} on ${df} df`).toBeGreaterThan(1e-3);
      }
      if (kind === "identical") expect(accepted).toBe(2 * TRIALS);
      else expect(accepted).toBeLessThan(2 * TRIALS);
      // sanity check of the test's power: the draft's own first tokens do not pass for p_0 when far off
      if (kind === "far off") {
        const draftCounts = new Uint32Array(V);
        for (let t = 0; t < TRIALS; t++) draftCounts[drawFrom(q[0]!, u())]!++;
        expect(chiSquare(draftCounts, p[0]!, TRIALS).p).toBeLessThan(1e-6);
      }
    }, 120_000);
  });
});

describe("verifyDraft with the draft's log-probabilities (draftLogprobs)", () => {
  it("gives exactly the tokens it gives without them, when they are the chain's own", async () => {
    const opts = { vocabSize: V, seed: 21, temperature: 0.9, topK: 300, repetitionPenalty: 1.2 };
    const a = await createSampler(opts),
      b = await createSampler(opts),
      ref = await createSampler(opts);
    const targets = [word("00.f32"), word("03.f32"), word("05.f32"), word("07.f32")];
    const drafts = draftRowsFor("close", targets, 5);
    const u = rng(99);
    const ctx = [7, 8];
    for (let trial = 0; trial < 400; trial++) {
      const draft: number[] = [];
      const lq: number[] = [];
      for (let j = 0; j < 3; j++) {
        // what a draft generation with the same options reports: the token and its log-probability
        const q = ref.probs(drafts[j]!, [...ctx, ...draft]);
        const x = drawFrom(q, u());
        draft.push(x);
        lq.push(Math.log(q[x]!));
      }
      const with_ = verifyDraft(a, draft, rows(drafts), rows(targets), { context: ctx, draftLogprobs: lq });
      const without = verifyDraft(b, draft, rows(drafts), rows(targets), { context: ctx });
      expect(with_.tokens).toEqual(without.tokens);
      with_.logprobs.forEach((x, j) => expect(x).toBeCloseTo(without.logprobs[j]!, 5));
    }
  });
});

describe("verifyDraft: hand-worked cases", () => {
  // target p = [0.5, 0.3, 0.2, 0], draft q uniform: the residual max(0, p - q) is [0.25, 0.05, 0, 0]
  const target = logitsOf([0.5, 0.3, 0.2, 0]);
  const uniform = logitsOf([0.25, 0.25, 0.25, 0.25]);
  const tRows = rows([target, target]);
  const dRows = rows([uniform]);

  it("a token the target gives no probability is never accepted; the correction is drawn from the residual", async () => {
    const s = await createSampler({ vocabSize: 4, seed: 1 });
    const counts = [0, 0, 0, 0];
    const N = 12_000;
    for (let i = 0; i < N; i++) {
      const r = verifyDraft(s, [3], dRows, tRows);
      expect(r.accepted).toBe(0);
      counts[r.tokens[0]!]!++;
    }
    // residual normalised: [5/6, 1/6, 0, 0]; within 5 standard deviations
    const sd = Math.sqrt(N * (5 / 6) * (1 / 6));
    expect(Math.abs(counts[0]! - (N * 5) / 6)).toBeLessThan(5 * sd);
    expect(counts[2]).toBe(0);
    expect(counts[3]).toBe(0);
  });

  it("a token with p >= q is always accepted, then a bonus token comes from the last row", async () => {
    const s = await createSampler({ vocabSize: 4, seed: 2 });
    for (let i = 0; i < 500; i++) {
      const r = verifyDraft(s, [0], dRows, tRows);
      expect(r.accepted).toBe(1);
      expect(r.tokens[0]).toBe(0);
      expect(r.tokens[1]).toBeLessThan(3);
      expect(r.logprobs[0]).toBeCloseTo(Math.log(0.5), 5);
    }
  });

  it("a token with p < q is accepted with probability p / q (0.2 / 0.25 = 0.8)", async () => {
    const s = await createSampler({ vocabSize: 4, seed: 3 });
    const N = 10_000;
    let acc = 0,
      wrong = 0;
    for (let i = 0; i < N; i++) {
      const r = verifyDraft(s, [2], dRows, tRows);
      acc += r.accepted;
      if (r.accepted === 0 && r.tokens[0]! > 1) wrong++;
    }
    expect(Math.abs(acc - 0.8 * N)).toBeLessThan(5 * Math.sqrt(N * 0.8 * 0.2));
    expect(wrong).toBe(0);
  });

  it("no draft tokens: one ordinary draw from the only row", async () => {
    const s = await createSampler({ vocabSize: 4, seed: 4 });
    const twin = await createSampler({ vocabSize: 4, seed: 4 });
    for (let i = 0; i < 50; i++) {
      const r = verifyDraft(s, [], new Float32Array(0), target);
      expect(r).toEqual({ accepted: 0, tokens: [twin.sample(target)], logprobs: r.logprobs });
    }
  });

  it("without draft rows, each row's ordinary draw is taken and the draft accepted while it equals it", async () => {
    const opts = { vocabSize: 300, seed: 9, temperature: 0.7, repetitionPenalty: 1.3, topK: 20 };
    const s = await createSampler(opts);
    const twin = await createSampler(opts);
    const ctx = [5, 6, 7];
    for (let round = 0; round < 40; round++) {
      const targets = [0, 1, 2, 3].map((j) => makeLogits(300, round * 10 + j, "peaked"));
      // a draft that is right about half the time: the twin's own next draws, then a guess
      const draft = [0, 1, 2].map((j) => (round % 2 === 0 && j < 2 ? targets[j]!.indexOf(25) : (round * 7 + j) % 300));
      const r = verifyDraft(s, draft, null, rows(targets), { context: ctx });
      const want: number[] = [];
      for (let j = 0; j <= 3; j++) {
        const y = twin.sample(targets[j]!, [...ctx, ...draft.slice(0, j)]);
        want.push(y);
        if (j === 3 || y !== draft[j]) break;
      }
      expect(r.tokens).toEqual(want);
      expect(r.accepted).toBe(want.length - 1);
    }
  });

  it("row j sees the context plus the first j draft tokens (log-probabilities under penalties)", async () => {
    const opts = { vocabSize: 500, seed: 5, repetitionPenalty: 1.8, presencePenalty: 0.7, noRepeatNgramSize: 2 };
    const s = await createSampler(opts);
    const ref = await createSampler(opts);
    const ctx = [10, 11, 12];
    const targets = [0, 1, 2, 3].map((j) => makeLogits(500, 40 + j, "llm"));
    for (let round = 0; round < 30; round++) {
      // drafts identical to the target: every draft token is accepted, and its logprob is the target row's
      const draft = [0, 1, 2].map((j) => ref.sample(targets[j]!, ctx));
      const r = verifyDraft(s, draft, rows(targets.slice(0, 3)), rows(targets), { context: ctx });
      expect(r.accepted).toBe(3);
      for (let j = 0; j < 3; j++) {
        const pj = ref.probs(targets[j]!, [...ctx, ...draft.slice(0, j)]);
        expect(r.logprobs[j]).toBeCloseTo(Math.log(pj[draft[j]!]!), 5);
      }
    }
  });
});

describe("verifyDraft under greedy (temperature 0)", () => {
  it("accepts while the draft token is the target's argmax, then appends the argmax (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 400 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.constantFrom("llm", "ties", "banned", "peaked") as fc.Arbitrary<"llm" | "ties" | "banned" | "peaked">,
        fc.boolean(),
        async (vocab, k, seed, shape, withDraftRows) => {
          const opts = { vocabSize: vocab, temperature: 0, repetitionPenalty: 1.4 };
          const s = await createSampler(opts);
          const ref = await createSampler(opts);
          const ctx = [seed % vocab];
          const targets = Array.from({ length: k + 1 }, (_, j) => {
            const l = makeLogits(vocab, seed + j, shape);
            l[seed % vocab] = 1; // at least one finite logit
            return l;
          });
          const u = rng(seed);
          const draft: number[] = [];
          for (let j = 0; j < k; j++) {
            // right most of the time, so that runs of acceptances happen
            const best = ref.sample(targets[j]!, [...ctx, ...draft]);
            draft.push(u() < 0.7 ? best : Math.floor(u() * vocab));
          }
          const dRows = withDraftRows ? rows(Array.from({ length: k }, (_, j) => makeLogits(vocab, j, "flat"))) : null;
          const r = verifyDraft(s, draft, dRows, rows(targets), { context: ctx });
          const want: number[] = [];
          for (let j = 0; j <= k; j++) {
            const a = ref.sample(targets[j]!, [...ctx, ...draft.slice(0, j)]);
            want.push(a);
            if (j === k || a !== draft[j]) break;
          }
          expect(r.tokens).toEqual(want);
          expect(r.logprobs.every((x) => x === 0)).toBe(true);
        },
      ),
      { numRuns: 150, seed: 17 },
    );
  });
});

/** A small vocabulary of letters, to read stop strings in the text. */
const LETTERS = "_abcdefghijklmnopqrstuvwxyz";
const decode = (ids: number[]) => ids.map((i) => LETTERS[i] ?? "?").join("");
/** A row whose argmax is `t` (greedy), over the 27 letters. */
function peak(t: number): Float32Array {
  const l = makeLogits(LETTERS.length, t + 100, "flat");
  l[t] = 10;
  return l;
}
const greedyRows = (ids: number[]) => rows(ids.map(peak));

describe("Generation: verifyDraft appends the accepted run one token at a time", () => {
  async function gen(o: Parameters<Sampler["generation"]>[0] = {}, extra: Omit<SamplerOptions, "vocabSize"> = {}) {
    const s = await createSampler({ vocabSize: LETTERS.length, temperature: 0, ...extra });
    return s.generation({ decode, eosTokenId: 0, ...o });
  }

  it("EOS inside the run ends the generation there", async () => {
    const g = await gen();
    const r = verifyDraft(g, [1, 0, 3], null, greedyRows([1, 0, 3, 4]));
    expect(r).toMatchObject({ tokens: [1, 0], accepted: 2, done: true, finishReason: "eos", text: "a" });
    expect(g.tokens).toEqual([1, 0]);
    expect(() => verifyDraft(g, [1], null, greedyRows([1, 1]))).toThrow(/done/);
  });

  it("a stop string inside the run ends it at the token that completes it; held text waits for the next call", async () => {
    const g = await gen({ stop: ["bc"] });
    const r = verifyDraft(g, [1, 2, 3, 4], null, greedyRows([1, 2, 3, 4, 5]));
    expect(r).toMatchObject({ tokens: [1, 2, 3], done: true, finishReason: "stop", text: "a" });
    const h = await gen({ stop: ["cd"] });
    const r1 = verifyDraft(h, [1, 2], null, greedyRows([1, 2, 3]));
    expect(r1).toMatchObject({ tokens: [1, 2, 3], accepted: 2, done: false, text: "ab" }); // "c" may begin "cd"
    const r2 = h.step(peak(4));
    expect(r2).toMatchObject({ token: 4, done: true, finishReason: "stop", text: "" });
    expect(h.text).toBe("ab");
  });

  it("maxNewTokens ends the run; minNewTokens bans EOS at the rows before it", async () => {
    const g = await gen({ maxNewTokens: 3 });
    const r = verifyDraft(g, [1, 2, 3, 4], null, greedyRows([1, 2, 3, 4, 5]));
    expect(r).toMatchObject({ tokens: [1, 2, 3], done: true, finishReason: "length", text: "abc" });
    // EOS is every row's argmax; it is banned at rows 0 and 1 (minNewTokens 2)
    const h = await gen({ minNewTokens: 2 });
    const eosRows = [0, 1, 2].map(() => {
      const l = peak(0);
      l[5] = 9; // the best token once EOS is banned
      return l;
    });
    const r2 = verifyDraft(h, [5, 5], null, rows(eosRows));
    expect(r2).toMatchObject({ tokens: [5, 5, 0], accepted: 2, finishReason: "eos" });
  });

  it("leaves the history as steps would: the same tokens, text and next draws as a twin that stepped", async () => {
    const extra = { repetitionPenalty: 2, noRepeatNgramSize: 2 };
    const a = await gen({ prompt: [1, 2] }, extra);
    const b = await gen({ prompt: [1, 2] }, extra);
    const plan = [3, 1, 2, 4];
    const r = verifyDraft(a, plan.slice(0, 3), null, greedyRows(plan));
    for (const t of plan.slice(0, r.tokens.length)) b.step(peak(t));
    expect(a.tokens).toEqual(b.tokens);
    expect(a.text).toBe(b.text);
    // the penalties and the n-gram ban see the appended tokens: the next steps agree
    for (let i = 0; i < 6; i++) {
      const l = makeLogits(LETTERS.length, i, "flat");
      l[0] = -Infinity; // not EOS
      expect(a.step(l).token).toBe(b.step(l).token);
    }
  });

  it("reports the target log-probabilities and, with `logprobs`, the top ones per token", async () => {
    const s = await createSampler({ vocabSize: LETTERS.length, seed: 3, temperature: 1 });
    const g = s.generation({ decode, logprobs: 2 });
    const t = [peak(1), peak(2), peak(3)];
    const r = verifyDraft(g, [1, 2], rows([t[0]!, t[1]!]), rows(t));
    expect(r.accepted).toBe(2);
    for (let j = 0; j < 3; j++) {
      const top = s.topLogprobs(2, t[j]!);
      expect(r.topLogprobs![j]!.map((x) => x.token)).toEqual(top.map((x) => x.token));
      expect(r.topLogprobs![j]![0]!.logprob).toBeCloseTo(top[0]!.logprob, 5);
    }
    expect(r.logprobs[0]).toBeCloseTo(Math.log(s.probs(t[0]!)[1]!), 5);
  });
});

describe("verifyDraft: bad input is a clear error and changes nothing", () => {
  const Vb = 50;
  const row = () => {
    const l = makeLogits(Vb, 1, "llm");
    l[1] = l[2] = 15; // the draft tokens below are likely: accepted, so that the calls get past row 0
    return l;
  };
  const good = () => ({ draft: [1, 2], d: rows([row(), row()]), t: rows([row(), row(), row()]) });

  it("names the argument and its value; the sampler's streams and mu stay where they were", async () => {
    const opts = { vocabSize: Vb, seed: 11, mirostat: { version: 2 as const } };
    const s = await createSampler(opts);
    const twin = await createSampler(opts);
    const { draft, d, t } = good();
    const nan = t.slice();
    nan[Vb + 7] = Number.NaN; // row 1: fails after row 0 has drawn
    const cases: [() => unknown, RegExp][] = [
      [() => verifyDraft({} as Sampler, draft, d, t), /target must be a Sampler or a Generation, got an object/],
      [() => verifyDraft(s, "ab" as unknown as number[], d, t), /draftTokens must be an array of token ids/],
      [() => verifyDraft(s, [1, Vb], d, t), /draftTokens\[1\] must be a token id in \[0, 50\), got 50/],
      [() => verifyDraft(s, [1, 0.5], d, t), /draftTokens\[1\] must be a token id/],
      [
        () => verifyDraft(s, draft, d, [1, 2] as unknown as Float32Array),
        /targetRows must be a Float32Array of 3 rows/,
      ],
      [() => verifyDraft(s, draft, d, t.subarray(Vb)), /targetRows.length must be 3 \* vocabSize \(150\), got 100/],
      [() => verifyDraft(s, draft, d.subarray(1), t), /draftRows.length must be 2 \* vocabSize \(100\), got 99/],
      [() => verifyDraft(s, draft, d, t, { context: [3, -1] }), /options.context\[1\] must be a token id/],
      [() => verifyDraft(s, draft, d, t, { contxt: [1] } as never), /unknown option "contxt"/],
      [() => verifyDraft(s, draft, null, t, { draftLogprobs: [-1, -1] }), /draftLogprobs needs draftRows/],
      [
        () => verifyDraft(s, draft, d, t, { draftLogprobs: [-1] }),
        /draftLogprobs.length must be draftTokens.length \(2\), got 1/,
      ],
      [
        () => verifyDraft(s, draft, d, t, { draftLogprobs: [-1, 0.5] }),
        /draftLogprobs\[1\] must be a log-probability \(<= 0\), got 0.5/,
      ],
      [
        () => verifyDraft(s, draft, d, t, { draftLogprobs: [-1, Number.NaN] }),
        /draftLogprobs\[1\] must be a log-probability/,
      ],
      [() => verifyDraft(s, draft, d, nan), /targetRows\[1\]\[7\] must be finite or -Infinity, got NaN/],
    ];
    for (const [call, message] of cases) expect(call).toThrow(message);
    expect(s.mirostatMu).toBe(twin.mirostatMu);
    for (let i = 0; i < 5; i++) expect(s.sample(row())).toBe(twin.sample(row()));
    // and it still verifies, as the twin does
    expect(verifyDraft(s, draft, d, t)).toEqual(verifyDraft(twin, draft, d, t));
    expect(s.mirostatMu).toBe(twin.mirostatMu);
  });

  it("xtc's random cut is refused; a generation takes no context", async () => {
    const s = await createSampler({ vocabSize: Vb, xtc: { probability: 0.5 } });
    const { draft, d, t } = good();
    expect(() => verifyDraft(s, draft, d, t)).toThrow(/verifyDraft cannot apply xtc/);
    const g = (await createSampler({ vocabSize: Vb })).generation();
    const untyped = verifyDraft as (...a: unknown[]) => unknown;
    expect(() => untyped(g, draft, d, t, { context: [1] })).toThrow(
      /options.context must be undefined for a Generation/,
    );
  });

  it("a generation whose verification fails midway is left as it was", async () => {
    const opts = { vocabSize: Vb, seed: 4, repetitionPenalty: 1.5, noRepeatNgramSize: 2 };
    const mk = async (): Promise<Generation> => (await createSampler(opts)).generation({ prompt: [3, 4] });
    const a = await mk(),
      b = await mk();
    const { draft, t } = good();
    const same = rows([t.subarray(0, Vb), t.subarray(0, Vb)]);
    const nan = t.slice();
    nan[2 * Vb + 3] = Number.NaN; // the bonus row: every draft token was appended before it failed
    expect(() => verifyDraft(a, draft, same, nan)).toThrow(/targetRows\[2\]\[3\]/);
    expect(a.tokens).toEqual([]);
    const ra = verifyDraft(a, draft, same, t);
    const rb = verifyDraft(b, draft, same, t);
    expect(ra).toEqual(rb);
    for (let i = 0; i < 4; i++) expect(a.step(row()).token).toBe(b.step(row()).token);
  });
});
