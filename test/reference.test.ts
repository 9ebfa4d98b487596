// Randomized agreement with the double-precision reference: random option combinations, orders,
// contexts and vocabulary sizes from 1 to 300k, fixed fast-check seeds.
//
// Tolerance: the L1 distance between the engine's probs() and the reference is at most 1e-3. The engine
// computes exp in f32 SIMD (relative error < 2e-7) and sums in f32 lanes, so without a boundary decision
// flipping the distance is ~1e-6; the margin admits a token whose cumulative mass lies within float
// rounding of a top-p / typical boundary, which then carries at most ~1/vocab of mass.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSampler, type SamplerOptions, type TransformName } from "../js/index.js";
import { HF_ORDER } from "../js/options.js";
import { makeLogits, l1, rng, type Shape } from "./helpers.js";
import { AllRemovedError, referenceProbs, type RefOptions } from "./reference.js";

const TOLERANCE = 1e-3;

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
// Penalties and biases: magnitudes >= 0.01 (smaller ones vanish in float32 logits) and offset off the
// quarter grid of the "ties" logits, so no two tokens become tied through arithmetic, which float32 and
// float64 would decide differently.
const amount = (min: number, max: number) =>
  fc.tuple(dbl(min, max), fc.boolean()).map(([v, neg]) => (neg ? -1 : 1) * (Math.max(0.01, Math.abs(v)) + 0.000317));

const optionsArb = fc.record({
  temperature: fc.oneof(fc.constant(undefined), fc.constant(0), dbl(0.2, 2)),
  topK: opt(fc.integer({ min: 1, max: 60 })),
  topP: opt(dbl(0.05, 0.99)),
  minP: opt(dbl(0.005, 0.6)),
  typicalP: opt(dbl(0.1, 0.99)),
  epsilonCutoff: opt(dbl(1e-4, 0.08)),
  etaCutoff: opt(dbl(1e-4, 0.08)),
  topA: opt(dbl(0.01, 0.9)),
  topNSigma: opt(dbl(0.3, 4)),
  minTokensToKeep: opt(fc.integer({ min: 1, max: 6 })),
  repetitionPenalty: opt(dbl(0.5, 2).map((r) => r + 0.000317)),
  presencePenalty: opt(amount(0, 1.5)),
  frequencyPenalty: opt(amount(0, 1.5)),
  penaltyLastN: opt(fc.integer({ min: -1, max: 64 })),
  noRepeatNgramSize: opt(fc.integer({ min: 1, max: 3 })),
  bias: opt(
    fc.array(fc.tuple(dbl(0, 1), fc.oneof(amount(0, 5), fc.constant(-Infinity))), { minLength: 1, maxLength: 6 }),
  ),
  badWords: opt(
    fc.array(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
  ),
  maskDensity: opt(dbl(0.05, 1)),
  dynRange: opt(dbl(0.1, 1.5)),
  dynExponent: opt(dbl(0.2, 3)),
  xtcThreshold: opt(dbl(0.02, 0.6)),
  mirostat: fc.option(fc.record({ version: fc.constantFrom<1 | 2>(1, 2), tau: dbl(0.5, 8), eta: dbl(0.01, 0.5) }), {
    nil: undefined,
    freq: 6,
  }),
  dry: opt(
    fc.record({
      multiplier: dbl(0.1, 2).map((m) => m + 0.000317),
      base: dbl(1, 3),
      allowedLength: fc.integer({ min: 0, max: 4 }),
      penaltyLastN: fc.integer({ min: -1, max: 40 }),
      breakers: fc.array(fc.array(fc.integer({ min: 0, max: 39 }), { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
    }),
  ),
});

const caseArb = (vocab: fc.Arbitrary<number>) =>
  fc.record({
    vocab,
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    shape: fc.constantFrom<Shape>("llm", "flat", "ties", "peaked", "banned"),
    contextLen: fc.integer({ min: 0, max: 80 }),
    order: fc.oneof(
      fc.constantFrom<"hf" | "llama.cpp">("hf", "llama.cpp"),
      fc.shuffledSubarray([...HF_ORDER], { minLength: HF_ORDER.length, maxLength: HF_ORDER.length }),
    ),
    o: optionsArb,
  });

type Case = ReturnType<typeof caseArb> extends fc.Arbitrary<infer T> ? T : never;

function build(c: Case): { engine: SamplerOptions; ref: RefOptions; logits: Float32Array; context: number[] } {
  const V = c.vocab;
  const r = rng(c.seed ^ 0x5bd1e995);
  const logits = makeLogits(V, c.seed, c.shape);
  const small = Math.min(V, 40);
  const context = Array.from({ length: c.contextLen }, () => Math.floor(r() * small));
  const o = c.o;
  const logitBias = o.bias
    ? new Map(o.bias.map(([f, b]) => [Math.min(V - 1, Math.floor(f * V)), b] as [number, number]))
    : undefined;
  const badWordsIds = o.badWords?.map((w) => w.map((t) => t % V));
  let allowedTokens: Uint32Array | undefined;
  if (o.maskDensity !== undefined) {
    allowedTokens = new Uint32Array(Math.ceil(V / 32));
    for (let i = 0; i < V; i++) if (r() < o.maskDensity) allowedTokens[i >>> 5]! |= 1 << (i & 31);
  }
  const shared = {
    temperature: o.temperature,
    topK: o.topK,
    topP: o.topP,
    minP: o.minP,
    typicalP: o.typicalP,
    epsilonCutoff: o.epsilonCutoff,
    etaCutoff: o.etaCutoff,
    topA: o.topA,
    topNSigma: o.topNSigma,
    minTokensToKeep: o.minTokensToKeep,
    repetitionPenalty: o.repetitionPenalty,
    presencePenalty: o.presencePenalty,
    frequencyPenalty: o.frequencyPenalty,
    penaltyLastN: o.penaltyLastN,
    noRepeatNgramSize: o.noRepeatNgramSize,
    badWordsIds,
    allowedTokens,
    order: c.order as "hf" | "llama.cpp" | TransformName[],
    dynamicTemperature: o.dynRange === undefined ? undefined : { range: o.dynRange, exponent: o.dynExponent ?? 1 },
    xtc: o.xtcThreshold === undefined ? undefined : { probability: 1, threshold: o.xtcThreshold },
    dry:
      o.dry === undefined
        ? undefined
        : {
            multiplier: o.dry.multiplier,
            base: o.dry.base,
            allowedLength: o.dry.allowedLength,
            penaltyLastN: o.dry.penaltyLastN,
            sequenceBreakers: o.dry.breakers.map((b) => b.map((t) => t % V)),
          },
  };
  if (o.mirostat) {
    // mirostat replaces the truncations (llama.cpp), and comes last in a custom order
    for (const k of [
      "topK",
      "topP",
      "minP",
      "typicalP",
      "epsilonCutoff",
      "etaCutoff",
      "topA",
      "topNSigma",
      "xtc",
      "dynamicTemperature",
    ] as const) {
      delete (shared as Record<string, unknown>)[k];
    }
    Object.assign(shared, { mirostat: o.mirostat });
    if (Array.isArray(shared.order)) shared.order = [...shared.order.filter((t) => t !== "mirostat"), "mirostat"];
  }
  const defined = Object.fromEntries(Object.entries(shared).filter(([, v]) => v !== undefined));
  return {
    engine: { vocabSize: V, seed: 7, ...defined, ...(logitBias ? { logitBias } : {}) },
    ref: { ...defined, ...(logitBias ? { logitBias } : {}) },
    logits,
    context,
  };
}

async function agrees(c: Case & { shift?: number }): Promise<void> {
  const built = build(c);
  const { engine, ref, context } = built;
  const logits = c.shift ? built.logits.map((x) => x + c.shift!) : built.logits;
  const sampler = await createSampler(engine);
  let expected: Float64Array | undefined;
  try {
    expected = referenceProbs(logits, ref, context);
  } catch (e) {
    if (!(e instanceof AllRemovedError)) throw e;
  }
  if (expected === undefined) {
    expect(() => sampler.probs(logits, context)).toThrow(/every token was removed/);
    return;
  }
  const got = sampler.probs(logits, context);
  const d = l1(got, expected);
  if (!(d <= TOLERANCE)) {
    throw new Error(`L1 ${d} > ${TOLERANCE} for ${JSON.stringify({ ...c, o: c.o })}`);
  }
  // sample() draws from the same distribution: the token it picks has positive probability
  expect(got[sampler.sample(logits, context)]!).toBeGreaterThan(0);
}

describe("engine vs double-precision reference", () => {
  it("agrees for vocabularies of 1 to 6,000 tokens", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 6000 }))), agrees),
      { seed: 20261126, numRuns: 2000 },
    );
  }, 120_000);

  it("agrees for vocabularies of 6,000 to 300,000 tokens", async () => {
    await fc.assert(fc.asyncProperty(caseArb(fc.integer({ min: 6001, max: 300_000 })), agrees), {
      seed: 1126,
      numRuns: 24,
    });
  }, 300_000);
});

// The max pass reads the logits' bits as integers, which order like the floats only from +0 up: a block with
// nothing >= +0 records -0 as its maximum (an upper bound), and logits with nothing >= +0 take a float pass.
// Shifted logits reach both: positive in a few blocks only (-8: only the strong tokens stay positive), and all
// negative (-60: log-probabilities, say).
describe("engine vs double-precision reference, logits shifted below zero", () => {
  const shifted = (vocab: fc.Arbitrary<number>) =>
    fc.tuple(caseArb(vocab), fc.constantFrom(-8, -60)).map(([c, d]) => ({ ...c, shift: d }));
  it("agrees for vocabularies of 257 to 20,000 tokens", async () => {
    await fc.assert(fc.asyncProperty(shifted(fc.integer({ min: 257, max: 20_000 })), agrees), {
      seed: 20261201,
      numRuns: 300,
    });
  }, 120_000);
});

describe("penalty windows: counted by the engine, or by JavaScript when longer than the engine's region", () => {
  // The engine's raw-id region holds vpad ids (the vocabulary rounded up to 32); longer windows are
  // counted in JavaScript. Both must give the reference's distribution (tolerance: L1 <= TOLERANCE).
  const cases: [number, number, number][] = [
    [50, 40, -1],
    [50, 300, -1],
    [50, 300, 64],
    [50, 300, 100],
    [1000, 700, 513],
    [70, 96, -1],
    [70, 97, -1],
  ];
  for (const [V, len, lastN] of cases) {
    it(`vocab ${V}, context ${len}, penaltyLastN ${lastN}`, async () => {
      const r = rng(V * 1000 + len);
      const context = Array.from({ length: len }, () => Math.floor(r() * r() * V)); // skewed: repeats
      const logits = makeLogits(V, len, "llm");
      const o = {
        repetitionPenalty: 1.3,
        presencePenalty: 0.4,
        frequencyPenalty: 0.2,
        penaltyLastN: lastN,
        order: "llama.cpp" as const,
      };
      const s = await createSampler({ vocabSize: V, seed: 1, ...o });
      expect(l1(s.probs(logits, context), referenceProbs(logits, o, context))).toBeLessThanOrEqual(TOLERANCE);
      // a typed-array context takes the same path and gives the same numbers
      expect(s.probs(logits, Uint32Array.from(context))).toEqual(s.probs(logits, context));
    });
  }
});

describe("typical sampling's dense cut, every way it goes", () => {
  // The dense path gathers the tokens at or above x* - r for a trial radius (first 3 nats, then the radii one
  // pass measures, else every token), keeps an interval that reaches the max as a threshold and one that
  // does not as candidates, and falls back to every token when minTokensToKeep reaches below the gather.
  // Peaked, flat, tied, dominated and partly banned logits, small and large vocabularies, p from 0.2 to
  // 0.99, temperatures, minTokensToKeep 1 and 50, and after a threshold (minP) and candidates (topK): each
  // against the reference (tolerance: L1 <= TOLERANCE).
  it("agrees with the reference", async () => {
    let cases = 0;
    for (const shape of ["llm", "flat", "ties", "peaked", "banned"] as Shape[]) {
      for (const V of [1000, 60_000]) {
        const logits = makeLogits(V, V + shape.length, shape);
        for (const typicalP of [0.2, 0.5, 0.9, 0.99]) {
          for (const extra of [
            {},
            { temperature: 0.7 },
            { temperature: 1.6, minTokensToKeep: 50 },
            { minP: 0.001 },
            { topK: 500 },
          ] as Omit<SamplerOptions, "vocabSize">[]) {
            const o = { typicalP, ...extra };
            const s = await createSampler({ vocabSize: V, seed: 1, ...o });
            const d = l1(s.probs(logits), referenceProbs(logits, o as RefOptions, []));
            if (!(d <= TOLERANCE)) throw new Error(`L1 ${d} for ${shape} V ${V} ${JSON.stringify(o)}`);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(200);
  }, 120_000);
});
