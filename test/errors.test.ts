// Bad input: a RangeError or TypeError naming the argument and its value, thrown before anything
// changes. After every error the sampler must behave exactly like an untouched twin with the same seed.
import { describe, expect, it } from "vitest";
import { createSampler, type Sampler, type SamplerOptions } from "../js/index.js";
import { makeLogits } from "./helpers.js";

const V = 1000;

describe("option errors", () => {
  const bad: [
    Partial<Record<keyof SamplerOptions, unknown>> & Record<string, unknown>,
    RegExp,
    ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor,
  ][] = [
    [{ vocabSize: 0 }, /vocabSize must be an integer in \[1, 1048576\], got 0/, RangeError],
    [{ vocabSize: 2 ** 20 + 1 }, /vocabSize must be an integer in \[1, 1048576\], got 1048577/, RangeError],
    [{ vocabSize: 10.5 }, /vocabSize .* got 10\.5/, RangeError],
    [{ vocabSize: "32000" }, /vocabSize must be a number, got "32000"/, TypeError],
    [{}, /vocabSize is required/, TypeError],
    [{ vocabSize: V, seed: -1 }, /seed must be an integer in \[0, 4294967295\], got -1/, RangeError],
    [{ vocabSize: V, seed: 2 ** 32 }, /seed .* got 4294967296/, RangeError],
    [{ vocabSize: V, temperature: -0.5 }, /temperature must be in \[0, 1e\+30\], got -0\.5/, RangeError],
    [{ vocabSize: V, temperature: Infinity }, /temperature .* got Infinity/, RangeError],
    [{ vocabSize: V, temperature: NaN }, /temperature .* got NaN/, RangeError],
    [{ vocabSize: V, topK: -1 }, /topK must be an integer >= 0, got -1/, RangeError],
    [{ vocabSize: V, topK: 2.5 }, /topK .* got 2\.5/, RangeError],
    [{ vocabSize: V, topP: 1.5 }, /topP must be in \(0, 1\], got 1\.5/, RangeError],
    [{ vocabSize: V, topP: 0 }, /topP must be in \(0, 1\], got 0/, RangeError],
    [{ vocabSize: V, topP: "0.9" }, /topP must be a number, got "0\.9"/, TypeError],
    [{ vocabSize: V, minP: 1.01 }, /minP must be in \[0, 1\], got 1\.01/, RangeError],
    [{ vocabSize: V, typicalP: 0 }, /typicalP must be in \(0, 1\], got 0/, RangeError],
    [{ vocabSize: V, epsilonCutoff: 1 }, /epsilonCutoff must be in \[0, 1\), got 1/, RangeError],
    [{ vocabSize: V, etaCutoff: -0.1 }, /etaCutoff must be in \[0, 1\), got -0\.1/, RangeError],
    [{ vocabSize: V, topNSigma: Infinity }, /topNSigma must be in \[-1e\+30, 1e\+30\], got Infinity/, RangeError],
    [{ vocabSize: V, minTokensToKeep: 0 }, /minTokensToKeep must be an integer >= 1, got 0/, RangeError],
    [{ vocabSize: V, repetitionPenalty: 0 }, /repetitionPenalty must be in \[1e-30, 1e\+30\], got 0/, RangeError],
    [{ vocabSize: V, presencePenalty: NaN }, /presencePenalty must be in \[-1e\+30, 1e\+30\], got NaN/, RangeError],
    [{ vocabSize: V, frequencyPenalty: "1" }, /frequencyPenalty must be a number, got "1"/, TypeError],
    [{ vocabSize: V, penaltyLastN: -2 }, /penaltyLastN must be an integer >= -1, got -2/, RangeError],
    [{ vocabSize: V, noRepeatNgramSize: -1 }, /noRepeatNgramSize must be an integer >= 0, got -1/, RangeError],
    [{ vocabSize: V, logitBias: { 1000: 1 } }, /logitBias key must be a token id in \[0, 1000\), got 1000/, RangeError],
    [
      { vocabSize: V, logitBias: new Map([[-1, 1]]) },
      /logitBias key must be a token id in \[0, 1000\), got -1/,
      RangeError,
    ],
    [
      { vocabSize: V, logitBias: { 5: Infinity } },
      /logitBias\[5\] must be -Infinity or in \[-1e\+30, 1e\+30\], got Infinity/,
      RangeError,
    ],
    [
      { vocabSize: V, logitBias: { 5: NaN } },
      /logitBias\[5\] must be -Infinity or in \[-1e\+30, 1e\+30\], got NaN/,
      RangeError,
    ],
    [
      { vocabSize: V, logitBias: [1, 2] },
      /logitBias must be a Record<number, number> or a Map<number, number>, got \[1, 2\]/,
      TypeError,
    ],
    [
      { vocabSize: V, badWordsIds: [[1], []] },
      /badWordsIds\[1\] must be a non-empty array of token ids, got \[\]/,
      TypeError,
    ],
    [
      { vocabSize: V, badWordsIds: [[1, 5000]] },
      /badWordsIds\[0\]\[1\] must be a token id in \[0, 1000\), got 5000/,
      RangeError,
    ],
    [
      { vocabSize: V, badWordsIds: [1, 2] },
      /badWordsIds\[0\] must be a non-empty array of token ids, got 1/,
      TypeError,
    ],
    [
      { vocabSize: V, allowedTokens: new Uint32Array(3) },
      /allowedTokens\.length must be 32 \(ceil\(vocabSize \/ 32\)\), got 3/,
      RangeError,
    ],
    [{ vocabSize: V, allowedTokens: [1, 2] }, /allowedTokens must be a Uint32Array of 32 words/, TypeError],
    [
      { vocabSize: V, order: "vllm" },
      /order must be "hf", "llama.cpp" or an array of transform names, got "vllm"/,
      TypeError,
    ],
    [{ vocabSize: V, order: ["topK", "topk"] }, /order\[1\] must be one of .*, got "topk"/, RangeError],
    [{ vocabSize: V, order: ["topK", "topK"] }, /order\[1\] must be listed once, got "topK"/, RangeError],
    [{ vocabSize: V, topP: 0.9, order: ["topK"] }, /order must list every enabled transform; missing topP/, RangeError],
    [{ vocabSize: V, top_p: 0.9 }, /unknown option "top_p"/, TypeError],
    [
      { vocabSize: V, mirostat: { version: 3, tau: 5, eta: 0.1 } },
      /mirostat\.version must be 1 or 2, got 3/,
      RangeError,
    ],
    [
      { vocabSize: V, mirostat: { version: 2, tau: -1, eta: 0.1 } },
      /mirostat\.tau must be in \[0, Infinity\), got -1/,
      RangeError,
    ],
    [
      { vocabSize: V, mirostat: { version: 2, tau: 5, eta: 0.1 }, topK: 40, topP: 0.9 },
      /mirostat replaces the truncation samplers; leave topK, topP at their neutral values/,
      RangeError,
    ],
    [
      { vocabSize: V, mirostat: { version: 1, tau: 5, eta: 0.1 }, order: ["mirostat", "temperature"] },
      /order must be a list ending with "mirostat" when mirostat is on/,
      RangeError,
    ],
    [{ vocabSize: V, dry: { multiplier: -1 } }, /dry\.multiplier must be a finite number >= 0, got -1/, RangeError],
    [
      { vocabSize: V, dry: { multiplier: 1, base: 0.5 } },
      /dry\.base must be a finite number >= 1, got 0\.5/,
      RangeError,
    ],
    [
      { vocabSize: V, dry: { multiplier: 1, allowedLength: -1 } },
      /dry\.allowedLength must be an integer >= 0, got -1/,
      RangeError,
    ],
    [
      { vocabSize: V, dry: { multiplier: 1, penaltyLastN: -2 } },
      /dry\.penaltyLastN must be an integer >= -1, got -2/,
      RangeError,
    ],
    [
      { vocabSize: V, dry: { multiplier: 1, sequenceBreakers: ["\n"] } },
      /dry\.sequenceBreakers has strings .*: give dry\.decode or dry\.vocabulary/,
      TypeError,
    ],
    [
      { vocabSize: V, dry: { multiplier: 1, sequenceBreakers: [[5000]] } },
      /dry\.sequenceBreakers\[0\]\[0\] must be a token id in \[0, 1000\), got 5000/,
      RangeError,
    ],
    [
      { vocabSize: V, dry: { multiplier: 1, vocabulary: ["a"] } },
      /dry\.vocabulary must be an array of 1000 token texts/,
      TypeError,
    ],
    [{ vocabSize: V, dry: { base: 2 } }, /dry\.multiplier is required/, TypeError],
    [
      { vocabSize: V, xtc: { probability: 1.5, threshold: 0.1 } },
      /xtc\.probability must be in \[0, 1\], got 1\.5/,
      RangeError,
    ],
    [{ vocabSize: V, xtc: { threshold: 0.1 } }, /xtc\.probability is required/, TypeError],
    [{ vocabSize: V, xtc: { probability: 0.5, thresh: 0.1 } }, /unknown option xtc\.thresh/, TypeError],
    [
      { vocabSize: V, dynamicTemperature: { range: -1 } },
      /dynamicTemperature\.range must be in \[0, 1e\+30\], got -1/,
      RangeError,
    ],
    [
      { vocabSize: V, dynamicTemperature: { range: 0.5, exponent: NaN } },
      /dynamicTemperature\.exponent must be in \[0, Infinity\), got NaN/,
      RangeError,
    ],
  ];
  for (const [o, msg, type] of bad) {
    it(`rejects ${JSON.stringify(o, (_k, v) => (v instanceof Map ? [...v] : ArrayBuffer.isView(v) ? `${v.constructor.name}` : typeof v === "number" && !Number.isFinite(v) ? String(v) : v))}`, async () => {
      const err = await createSampler(o as SamplerOptions).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(msg);
    });
  }
  it("accepts every option at its neutral value", async () => {
    const s = await createSampler({
      vocabSize: V,
      seed: 0,
      temperature: 1,
      topK: 0,
      topP: 1,
      minP: 0,
      typicalP: 1,
      epsilonCutoff: 0,
      etaCutoff: 0,
      topNSigma: 0,
      minTokensToKeep: 1,
      repetitionPenalty: 1,
      presencePenalty: 0,
      frequencyPenalty: 0,
      penaltyLastN: -1,
      noRepeatNgramSize: 0,
      logitBias: {},
      badWordsIds: [],
      order: "hf",
      dry: { multiplier: 0 },
      xtc: { probability: 0, threshold: 0.1 },
      dynamicTemperature: { range: 0 },
    });
    const logits = makeLogits(V, 1, "llm");
    const plain = await createSampler({ vocabSize: V, seed: 0 });
    expect(s.probs(logits)).toEqual(plain.probs(logits));
  });
});

describe("call errors leave the sampler as it was", () => {
  let a: Sampler, twin: Sampler;
  const good = makeLogits(V, 2, "llm");
  const o: SamplerOptions = {
    vocabSize: V,
    seed: 99,
    topK: 50,
    repetitionPenalty: 1.3,
    noRepeatNgramSize: 2,
    logitBias: { 3: -Infinity },
  };

  async function fresh(): Promise<void> {
    a = await createSampler(o);
    twin = await createSampler(o);
  }

  function stillInStep(): void {
    for (let i = 0; i < 5; i++) expect(a.sample(good, [1, 2, 3, 1])).toBe(twin.sample(good, [1, 2, 3, 1]));
    expect(a.probs(good, [4, 4])).toEqual(twin.probs(good, [4, 4]));
  }

  const calls: [
    string,
    (s: Sampler) => unknown,
    RegExp,
    ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor,
  ][] = [
    [
      "logits of the wrong length",
      (s) => s.sample(new Float32Array(V - 1)),
      /logits\.length must be vocabSize \(1000\), got 999/,
      RangeError,
    ],
    [
      "logits of the wrong type",
      (s) => s.sample(Array.from(good) as unknown as Float32Array),
      /logits must be a Float32Array of vocabSize \(1000\) values, got \[/,
      TypeError,
    ],
    [
      "NaN in logits",
      (s) => {
        const l = good.slice();
        l[17] = NaN;
        return s.sample(l);
      },
      /logits\[17\] must be finite or -Infinity, got NaN/,
      RangeError,
    ],
    [
      "+Infinity in logits",
      (s) => {
        const l = good.slice();
        l[999] = Infinity;
        return s.sample(l);
      },
      /logits\[999\] must be finite or -Infinity, got Infinity/,
      RangeError,
    ],
    [
      "NaN in a penalized logit",
      (s) => {
        const l = good.slice();
        l[2] = NaN;
        return s.sample(l, [2, 2]);
      },
      /logits\[2\] must be finite or -Infinity, got NaN/,
      RangeError,
    ],
    [
      "NaN in a banned logit",
      (s) => {
        const l = good.slice();
        l[3] = NaN;
        return s.probs(l);
      },
      /logits\[3\] must be finite or -Infinity, got NaN/,
      RangeError,
    ],
    [
      "a context id outside the vocabulary",
      (s) => s.sample(good, [1, 2, 1000]),
      /context\[2\] must be a token id in \[0, 1000\), got 1000/,
      RangeError,
    ],
    [
      "a negative context id",
      (s) => s.probs(good, [-1]),
      /context\[0\] must be a token id in \[0, 1000\), got -1/,
      RangeError,
    ],
    [
      "a fractional context id",
      (s) => s.sample(good, [1.5]),
      /context\[0\] must be a token id in \[0, 1000\), got 1\.5/,
      RangeError,
    ],
    [
      "a non-numeric context id",
      (s) => s.sample(good, ["7" as unknown as number]),
      /context\[0\] must be a token id in \[0, 1000\), got "7"/,
      TypeError,
    ],
    [
      "every token removed",
      (s) => s.sample(new Float32Array(V).fill(-Infinity)),
      /every token was removed/,
      RangeError,
    ],
    ["a bad topLogprobs n", (s) => s.topLogprobs(-1, good), /n must be an integer >= 0, got -1/, RangeError],
    ["a bad seed", (s) => s.reseed(1.5), /seed must be an integer in \[0, 4294967295\], got 1\.5/, RangeError],
    [
      "sampleBatch rows of the wrong length",
      (s) => s.sampleBatch(new Float32Array(V * 2 - 1), 2),
      /rows\.length must be batch \* vocabSize \(2000\), got 1999/,
      RangeError,
    ],
    [
      "sampleBatch with a bad batch",
      (s) => s.sampleBatch(new Float32Array(0), -1),
      /batch must be an integer >= 0, got -1/,
      RangeError,
    ],
    [
      "sampleBatch with too few contexts",
      (s) => s.sampleBatch(new Float32Array(V * 2), 2, [[1]]),
      /contexts must be an array of 2 contexts/,
      TypeError,
    ],
    [
      "sampleBatch with NaN in a later row",
      (s) => {
        const r = new Float32Array(V * 3);
        r.set(good, 0);
        r.set(good, V);
        r.set(good, 2 * V);
        r[2 * V + 5] = NaN;
        return s.sampleBatch(r, 3);
      },
      /rows\[2\]\[5\] must be finite or -Infinity, got NaN/,
      RangeError,
    ],
    [
      "a mask of the wrong length",
      (s) => s.setAllowedTokens(new Uint32Array(2)),
      /mask\.length must be 32 \(ceil\(vocabSize \/ 32\)\), got 2/,
      RangeError,
    ],
  ];
  for (const [name, call, msg, type] of calls) {
    it(name, async () => {
      await fresh();
      a.sample(good, [5]);
      twin.sample(good, [5]);
      let err: unknown;
      try {
        call(a);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(msg);
      stillInStep();
    });
  }

  it("a bad context id leaves sampler.logits untouched, inside or before the penalty window", async () => {
    for (const penaltyLastN of [-1, 2]) {
      const s = await createSampler({ ...o, penaltyLastN });
      const t = await createSampler({ ...o, penaltyLastN });
      s.logits.set(good);
      const other = makeLogits(V, 3, "llm");
      expect(() => s.sample(other, [1000, 1, 2])).toThrow(/context\[0\] must be a token id in \[0, 1000\), got 1000/);
      expect(() => s.probs(other, [1, 2, 3, 4, -5])).toThrow(/context\[4\] must be a token id/);
      expect(Array.from(s.logits)).toEqual(Array.from(good)); // the other logits were not copied in
      for (let i = 0; i < 3; i++) expect(s.sample(undefined, [1, 2, 2, 1])).toBe(t.sample(good, [1, 2, 2, 1]));
    }
  });

  it("a failed call leaves sampler.logits as the caller wrote them", async () => {
    await fresh();
    const view = a.logits;
    view.set(good);
    view[7] = NaN;
    expect(() => a.sample(undefined, [1, 2, 3, 3, 7])).toThrow(/logits\[7\]/);
    const expected = good.slice();
    expected[7] = NaN;
    expect(Array.from(a.logits)).toEqual(Array.from(expected));
    view[7] = good[7]!;
    expect(a.sample(undefined, [1, 2, 3, 1])).toBe(twin.sample(good, [1, 2, 3, 1]));
  });
});

// The max pass reads the logits' bits as integers (assembly/kernels.ts, maxPass): a signed max catches +Infinity
// and positive NaNs, an unsigned max negative NaNs (x86's default NaN is 0xffc00000), and logits that are all
// negative take a float pass. Every bit pattern of NaN must still be caught, wherever the max is.
describe("invalid logits by their bits, wherever the max is", () => {
  const W = 5000;
  const base = makeLogits(W, 3, "llm");
  const shift = (d: number) => base.map((x) => x + d);
  const layouts: [string, Float32Array][] = [
    ["mixed signs", base],
    ["positive in a few blocks only", shift(-8)],
    ["all negative", shift(-60)],
  ];
  const patterns: [number, string][] = [
    [0x7fc00000, "NaN"],
    [0xffc00000, "NaN"],
    [0x7f800001, "NaN"],
    [0xff800001, "NaN"],
    [0x7fffffff, "NaN"],
    [0xffffffff, "NaN"],
    [0x7f800000, "Infinity"],
  ];
  // an allowed-token mask: the masked copy validates every logit, allowed or not (0 and 1234 are not, 4999 is)
  const allowedTokens = new Uint32Array(Math.ceil(W / 32));
  for (let i = 0; i < W; i++) if (i % 3 === 1 || i === W - 1) allowedTokens[i >>> 5]! |= 1 << (i & 31);
  const options: SamplerOptions[] = [
    { vocabSize: W, temperature: 0 },
    { vocabSize: W, temperature: 0.7, allowedTokens },
    { vocabSize: W, topK: 40, allowedTokens },
    { vocabSize: W, topK: 40 },
    { vocabSize: W, minP: 0.05 },
    { vocabSize: W, temperature: 0.8 },
    { vocabSize: W, repetitionPenalty: 1.3, topP: 0.9 },
  ];
  it("names the index and the value, and the sampler keeps working", async () => {
    for (const o of options) {
      const s = await createSampler({ ...o, seed: 5 });
      const twin = await createSampler({ ...o, seed: 5 });
      const bits = new Uint32Array(s.logits.buffer, s.logits.byteOffset, W);
      for (const [, l] of layouts) {
        for (const [p, shown] of patterns) {
          for (const i of [0, 1234, W - 1]) {
            s.logits.set(l);
            bits[i] = p;
            expect(() => s.sample(undefined, [1, 2])).toThrow(
              new RegExp(`logits\\[${i}\\] must be finite or -Infinity, got ${shown}`),
            );
          }
        }
        s.logits.set(l);
        expect(s.sample(undefined, [1, 2])).toBe(twin.sample(l, [1, 2]));
      }
    }
  });

  it("greedy picks the first maximum whatever the signs (-0 and +0 tie)", async () => {
    const s = await createSampler({ vocabSize: W, temperature: 0 });
    const argmax = (l: Float32Array) => l.reduce((b, x, i) => (x > l[b]! ? i : b), 0);
    for (let seed = 1; seed <= 20; seed++) {
      for (const d of [0, -8, -60, -1e30]) {
        const l = makeLogits(W, seed, seed % 2 ? "llm" : "banned").map((x) => x + d);
        expect(s.sample(l)).toBe(argmax(l));
      }
    }
    const z = new Float32Array(W).fill(-1);
    z[700] = -0;
    z[4000] = 0;
    expect(s.sample(z)).toBe(700);
    z[700] = -1;
    expect(s.sample(z)).toBe(4000);
    z.fill(-Infinity);
    z[4999] = -0;
    expect(s.sample(z)).toBe(4999);
  });
});
