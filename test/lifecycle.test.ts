// Long-lived processes: configure() changes a sampler's options in place (validated; a rejected call changes
// nothing), dispose() gives the instance back to a pool that the next createSampler / createBeamSearch
// reuses, and a reused instance gives exactly the tokens, probabilities and scores a fresh one gives.
// (Samplers dropped without dispose() return theirs through a FinalizationRegistry: npm run bench:load.)
import { describe, expect, it } from "vitest";
import { createBeamSearch, createSampler, type Sampler, type SamplerOptions } from "../js/index.js";
import { makeLogits } from "./helpers.js";

const V = 3000;
const rows = [0, 1, 2, 3, 4, 5].map((i) => makeLogits(V, 40 + i, "llm"));

/** Tokens, probability bits and logprobs of a fixed run: equal runs mean equal samplers. */
function run(s: Sampler): string {
  const ctx: number[] = [];
  const out: string[] = [];
  for (let i = 0; i < 24; i++) {
    const l = rows[i % rows.length]!;
    const t = s.sample(l, ctx);
    ctx.push(t);
    out.push(`${t}:${s.probs(l, ctx)[t]}:${s.topLogprobs(2, l, ctx).map((x) => x.logprob)}`);
  }
  const g = s.generation({ prompt: [1, 2], maxNewTokens: 6, logprobs: 1 });
  while (!g.done) out.push(JSON.stringify(g.step(rows[g.tokens.length % rows.length])));
  return out.join("\n");
}

const OPTS: Omit<SamplerOptions, "vocabSize"> = {
  seed: 9,
  temperature: 0.8,
  topK: 50,
  topP: 0.9,
  repetitionPenalty: 1.3,
  noRepeatNgramSize: 3,
  mirostat: undefined,
};

describe("dispose() and the instance pool", () => {
  it("a pooled instance (used before with another vocabulary, or by a beam search) gives a fresh one's outputs", async () => {
    const fresh = run(await createSampler({ vocabSize: V, ...OPTS }));
    // dirty an instance with other work, give it back, and take it again
    const big = await createSampler({ vocabSize: 50_000, seed: 1, xtc: { probability: 1 }, minP: 0.01 });
    big.sample(makeLogits(50_000, 1, "llm"));
    big.dispose();
    const reused = await createSampler({ vocabSize: V, ...OPTS });
    expect(run(reused)).toBe(fresh);
    reused.dispose();
    const beams = await createBeamSearch({ vocabSize: 7000, numBeams: 3, maxNewTokens: 2 });
    beams.step(makeLogits(7000, 2, "llm"));
    beams.dispose();
    expect(run(await createSampler({ vocabSize: V, ...OPTS }))).toBe(fresh);
  });

  it("a pooled instance gives a fresh beam search's results", async () => {
    const search = async () => {
      const b = await createBeamSearch({ vocabSize: V, numBeams: 4, maxNewTokens: 5, eosTokenId: 3, prompt: [7] });
      while (!b.done) {
        const r = new Float32Array(b.sequences.length * V);
        b.sequences.forEach((seq, i) => r.set(rows[(seq.at(-1)! + i) % rows.length]!, i * V));
        b.step(r);
      }
      return b;
    };
    const a = await search();
    const want = JSON.stringify(a.results);
    a.dispose();
    const s = await createSampler({ vocabSize: 40_000, seed: 2 });
    s.sample(makeLogits(40_000, 3, "banned"));
    s.dispose();
    expect(JSON.stringify((await search()).results)).toBe(want);
  });

  it("after dispose() every call throws; dispose() twice is harmless; [Symbol.dispose] is dispose", async () => {
    const s = await createSampler({ vocabSize: V, seed: 1 });
    const g = s.generation();
    s.dispose();
    s.dispose();
    const calls: (() => unknown)[] = [
      () => s.sample(rows[0]),
      () => s.probs(rows[0]),
      () => s.topLogprobs(2, rows[0]),
      () => s.sampleBatch(rows[0]!, 1),
      () => s.reseed(1),
      () => s.setAllowedTokens(null),
      () => s.generation(),
      () => s.logits,
      () => s.configure({ topK: 2 }),
      () => g.step(rows[0]),
    ];
    for (const c of calls) expect(c).toThrow(/disposed/);
    const dispose = (Symbol as { dispose?: symbol }).dispose;
    if (dispose) {
      const t = await createSampler({ vocabSize: V, seed: 1 });
      (t as unknown as Record<symbol, () => void>)[dispose]!();
      expect(() => t.sample(rows[0])).toThrow(/disposed/);
    }
    const b = await createBeamSearch({ vocabSize: V, numBeams: 2, maxNewTokens: 2 });
    b.dispose();
    expect(() => b.step(new Float32Array(V))).toThrow(/disposed/);
    expect(() => b.rowView(0)).toThrow(/disposed/);
  });
});

describe("configure()", () => {
  it("gives what a sampler created with the new options gives", async () => {
    const s = await createSampler({ vocabSize: V, seed: 3, topK: 5 });
    s.sample(rows[0]);
    s.configure({ ...OPTS, seed: 9 });
    expect(run(s)).toBe(run(await createSampler({ vocabSize: V, ...OPTS })));
    // back to plain, keeping the stream (no seed given): the same as a twin configured alike
    const a = await createSampler({ vocabSize: V, seed: 4 });
    const b = await createSampler({ vocabSize: V, seed: 4, minP: 0.2 });
    b.configure({});
    for (let i = 0; i < 10; i++) expect(b.sample(rows[i % 6])).toBe(a.sample(rows[i % 6]));
  });

  it("a rejected configure() changes nothing", async () => {
    const s = await createSampler({ vocabSize: V, ...OPTS });
    const twin = await createSampler({ vocabSize: V, ...OPTS });
    const bad: [unknown, RegExp][] = [
      [{ topP: 1.5 }, /topP must be in \(0, 1\], got 1.5/],
      [{ vocabSize: V + 1 }, /options.vocabSize must be 3000, got 3001/],
      [{ temperatur: 1 }, /unknown option "temperatur"/],
      [{ order: ["topK"], topP: 0.5 }, /order must list every enabled transform/],
    ];
    for (const [o, m] of bad) expect(() => s.configure(o as never)).toThrow(m);
    expect(run(s)).toBe(run(twin));
  });

  it("a generation begun before configure() refuses to step (its history follows the old options)", async () => {
    const s = await createSampler({ vocabSize: V, seed: 5 });
    const g = s.generation();
    g.step(rows[0]);
    s.configure({ repetitionPenalty: 1.5 });
    expect(() => g.step(rows[1])).toThrow(/configured after this generation began/);
    const h = s.generation();
    expect(h.step(rows[1]).token).toBeGreaterThanOrEqual(0);
  });
});
