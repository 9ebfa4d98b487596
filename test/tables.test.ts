// Published test cases of llama.cpp (tests/test-sampling.cpp) and Hugging Face transformers
// (tests/generation/test_logits_process.py), restated against this library's API.
import { describe, expect, it } from "vitest";
import { createSampler, type SamplerOptions, type TransformName } from "../js/index.js";

const logOf = (ps: number[]) => Float32Array.from(ps, Math.log);

async function probsOf(
  ps: number[] | Float32Array,
  o: Omit<SamplerOptions, "vocabSize">,
  context?: number[],
): Promise<Float32Array> {
  const logits = ps instanceof Float32Array ? ps : logOf(ps);
  const s = await createSampler({ vocabSize: logits.length, seed: 1, ...o });
  return s.probs(logits, context);
}

/** The kept probabilities, largest first (llama.cpp's tests list them that way). */
const keptSorted = (p: Float32Array) =>
  Array.from(p)
    .filter((x) => x > 0)
    .sort((a, b) => b - a);
const nonzero = (p: Float32Array) => Array.from(p, (x) => x > 0);

describe("llama.cpp tests/test-sampling.cpp (tolerance 1e-5, as there)", () => {
  const base = [0.1, 0.2, 0.3, 0.4];
  const cases: [string, number[], number[], Omit<SamplerOptions, "vocabSize">][] = [
    ["temp 1", base, [0.4, 0.3, 0.2, 0.1], { temperature: 1 }],
    ["temp 0", base, [1], { temperature: 0 }],
    ["top_k 1", base, [1], { topK: 1 }],
    ["top_k 3", base, [0.44444, 0.33333, 0.22222], { topK: 3 }],
    ["top_k 4", base, [0.4, 0.3, 0.2, 0.1], { topK: 4 }],
    ["top_k 0", base, [0.4, 0.3, 0.2, 0.1], { topK: 0 }],
    ["top_p 0.7", base, [0.571429, 0.428571], { topP: 0.7 }],
    ["top_p 0.8", base, [0.44444, 0.33333, 0.22222], { topP: 0.8 }],
    ["top_p 1", base, [0.4, 0.3, 0.2, 0.1], { topP: 1 }],
    ["min_p 0", base, [0.4, 0.3, 0.2, 0.1], { minP: 0 }],
    ["min_p 0.24", base, [0.4, 0.3, 0.2, 0.1], { minP: 0.24 }],
    ["min_p 0.26", base, [0.4 / 0.9, 0.3 / 0.9, 0.2 / 0.9], { minP: 0.26 }],
    ["min_p 0.49", base, [0.4 / 0.9, 0.3 / 0.9, 0.2 / 0.9], { minP: 0.49 }],
    ["min_p 0.51", base, [0.4 / 0.7, 0.3 / 0.7], { minP: 0.51 }],
    ["min_p 0.74", base, [0.4 / 0.7, 0.3 / 0.7], { minP: 0.74 }],
    ["min_p 0.76", base, [1], { minP: 0.76 }],
    ["min_p 1", base, [1], { minP: 1 }],
    ["typical 0.5 peaked", [0.97, 0.01, 0.01, 0.01], [1], { typicalP: 0.5 }],
    ["typical 0.5 flat", [0.4, 0.2, 0.2, 0.2], [1 / 3, 1 / 3, 1 / 3], { typicalP: 0.5 }],
    ["top_n_sigma 1", base, [0.571429, 0.428571], { topNSigma: 1 }],
    ["top_n_sigma 0 (off)", base, [0.4, 0.3, 0.2, 0.1], { topNSigma: 0 }],
    ["top_n_sigma 3", base, [0.4, 0.3, 0.2, 0.1], { topNSigma: 3 }],
  ];
  for (const [name, ps, expected, o] of cases) {
    it(name, async () => {
      const got = keptSorted(await probsOf(ps, o));
      expect(got.length).toBe(expected.length);
      got.forEach((x, i) => expect(Math.abs(x - expected[i]!)).toBeLessThan(1e-5));
    });
  }

  // test_temp_ext: temperature with dynatemp range 0 is plain temperature (1 keeps, 0 is greedy)
  it("temp_ext range 0, temperature 1", async () => {
    const got = keptSorted(await probsOf(base, { temperature: 1, dynamicTemperature: { range: 0, exponent: 1 } }));
    [0.4, 0.3, 0.2, 0.1].forEach((x, i) => expect(Math.abs(got[i]! - x)).toBeLessThan(1e-5));
  });
  it("temp_ext range 0, temperature 0", async () => {
    expect(keptSorted(await probsOf(base, { temperature: 0, dynamicTemperature: { range: 0, exponent: 1 } }))).toEqual([
      1,
    ]);
  });
  it("temp_ext range 0.5: temperature 1 +- 0.5 by normalised entropy (worked by hand)", async () => {
    const h = -base.reduce((a, p) => a + p * Math.log(p), 0);
    const dyn = 0.5 + 1.0 * (h / Math.log(4)); // min 0.5, max 1.5, exponent 1
    const w = base.map((p) => p ** (1 / dyn));
    const z = w.reduce((a, b) => a + b, 0);
    const got = await probsOf(base, { dynamicTemperature: { range: 0.5, exponent: 1 } });
    w.forEach((x, i) => expect(Math.abs(got[i]! - x / z)).toBeLessThan(1e-5));
  });

  // test_xtc({0.4, 0.3, 0.2, 0.1}, expected, 0.99, threshold): llama.cpp draws 0.99 with its own mt19937;
  // probability 1 makes the outcome independent of the draw. Expected: the kept tokens, renormalised.
  const xtcCases: [number, number[]][] = [
    [0.09, [1]],
    [0.19, [0.2 / 0.3, 0.1 / 0.3]],
    [0.29, [0.3 / 0.6, 0.2 / 0.6, 0.1 / 0.6]],
    [0.39, [0.4, 0.3, 0.2, 0.1]],
  ];
  for (const [threshold, expected] of xtcCases) {
    it(`xtc threshold ${threshold}`, async () => {
      const got = keptSorted(await probsOf([0.4, 0.3, 0.2, 0.1], { xtc: { probability: 1, threshold } }));
      expect(got.length).toBe(expected.length);
      got.forEach((x, i) => expect(Math.abs(x - expected[i]!)).toBeLessThan(1e-5));
    });
  }

  // test_dry(probs, last_tokens, expected, multiplier, base, allowed_length, penalty_last_n, breakers)
  const dry: [number[], number[], number[], number, number, number, number, number[][]][] = [
    [[0.25, 0.25, 0.25, 0.25], [0, 1], [0.25, 0.25, 0.25, 0.25], 1.0, 1.1, 2, 4, []],
    [[0.25, 0.25, 0.25, 0.25], [0, 1, 2, 0, 1], [0.296923, 0.296923, 0.109232, 0.296923], 1.0, 1.1, 2, 5, []],
    [[0.2, 0.2, 0.2, 0.2, 0.2], [0, 1, 3, 4, 0, 1], [0.2, 0.2, 0.2, 0.2, 0.2], 1.0, 1.1, 2, 6, [[3]]],
    [
      [0.2, 0.2, 0.2, 0.2, 0.2],
      [0, 1, 2, 0, 1],
      [0.241818, 0.241818, 0.032727, 0.241818, 0.241818],
      2.0,
      1.1,
      2,
      5,
      [],
    ],
    [[0.2, 0.2, 0.2, 0.2, 0.2], [0, 1, 2, 3, 4, 0, 1], [0.2, 0.2, 0.2, 0.2, 0.2], 1.0, 1.1, 4, 7, []],
  ];
  dry.forEach(([ps, last, expected, multiplier, base, allowedLength, penaltyLastN, sequenceBreakers], i) => {
    it(`dry case ${i + 1}`, async () => {
      const got = await probsOf(
        ps,
        { dry: { multiplier, base, allowedLength, penaltyLastN, sequenceBreakers }, order: "llama.cpp" },
        last,
      );
      got.forEach((x, j) => expect(Math.abs(x - expected[j]!)).toBeLessThan(1e-5));
    });
  });

  // test_penalties(probs, last_tokens, expected, repeat, frequency, presence): expected by token id.
  const penalties: [number[], number[], number, number, number][] = [
    [[0], [0, 0.25, 0.25, 0.25, 0.25], 50, 0, 0],
    [[0, 1, 2], [0, 0, 0, 0.5, 0.5], 50, 0, 0],
    [[0, 1, 2, 0, 0], [0, 0, 0, 0.5, 0.5], 50, 0, 0],
    [[0], [0.000011, 0.249997, 0.249997, 0.249997, 0.249997], 1, 5, 5],
    [[0, 1, 2], [0.000023, 0.000023, 0.000023, 0.499966, 0.499966], 1, 5, 5],
    [[0, 1, 2, 0, 0], [0.0, 0.000023, 0.000023, 0.499977, 0.499977], 1, 5, 5],
  ];
  for (const [last, expected, repeat, freq, pres] of penalties) {
    it(`penalties repeat=${repeat} freq=${freq} pres=${pres} last=${last}`, async () => {
      const got = await probsOf(
        [0.2, 0.2, 0.2, 0.2, 0.2],
        {
          repetitionPenalty: repeat,
          frequencyPenalty: freq,
          presencePenalty: pres,
          order: "llama.cpp",
        },
        last,
      );
      got.forEach((x, i) => expect(Math.abs(x - expected[i]!)).toBeLessThan(1e-5));
    });
  }

  // test_sampler_queue: logits log(i) over 10,000 tokens (token 0 is -inf), samplers applied in sequence.
  // The expected kept range [minTokenId, n) is computed exactly as the C++ test computes it.
  function expectedRange(n: number, seq: string, topK: number, topP: number, minP: number): number {
    let minTok = 0;
    let size = n;
    for (const s of seq) {
      if (s === "k") {
        size = Math.min(size, topK);
        minTok = Math.max(minTok, n - topK);
      } else if (s === "p") {
        const divisor = (n * (n - 1)) / 2 - (minTok * (minTok - 1)) / 2;
        const target = Math.ceil(Math.fround(Math.fround(topP) * divisor));
        minTok = n;
        let expected = 0,
          cumsum = 0;
        do {
          minTok--;
          expected++;
          cumsum += minTok;
        } while (cumsum < target);
        if (minTok === 1) {
          minTok--;
          expected++;
        }
        size = expected;
      } else {
        let expected = Math.ceil(Math.fround((1 - Math.fround(minP)) * n));
        expected = Math.min(Math.max(expected, 1), size);
        minTok = Math.floor(Math.fround(Math.fround(minP) * n));
        minTok = Math.min(Math.max(minTok, 1, n - size), n - 1);
        size = expected;
      }
    }
    return Math.max(minTok, 1); // token 0 has probability 0, so it is never among our kept tokens
  }
  const queue: [string, number, number, number][] = [
    ["k", 10000, 1, 1],
    ["k", 1, 1, 1],
    ["p", 10000, 1, 1],
    ["m", 10000, 1, 1],
    ["m", 10000, 1, 1e-12],
    ["k", 100, 1, 1],
    ["p", 10000, 0.0003, 1],
    ["p", 10000, 0.8, 1],
    ["m", 10000, 1, 9997.9 / 9999],
    ["m", 10000, 1, 0.1],
    ["kp", 100, 0.8, 0.1],
    ["km", 100, 0.8, 0.1],
    ["pk", 100, 0.8, 0.1],
    ["pm", 100, 0.8, 0.1],
    ["mk", 100, 0.8, 0.1],
    ["mp", 100, 0.8, 9997.9 / 9999],
    ["mp", 100, 0.8, 0.1],
    ["kpm", 100, 0.8, 0.1],
    ["kmp", 100, 0.8, 0.1],
    ["pkm", 100, 0.8, 0.1],
    ["pmk", 100, 0.8, 0.1],
    ["mkp", 100, 0.8, 0.1],
    ["mpk", 100, 0.8, 0.1],
  ];
  const names: Record<string, TransformName> = { k: "topK", p: "topP", m: "minP" };
  const n = 10000;
  const ramp = Float32Array.from({ length: n }, (_, i) => Math.log(i));
  for (const [seq, topK, topP, minP] of queue) {
    it(`sampler queue ${seq} top_k=${topK} top_p=${topP} min_p=${minP}`, async () => {
      const p = await probsOf(ramp, {
        topK: seq.includes("k") ? topK : 0,
        topP: seq.includes("p") ? Math.fround(topP) : 1,
        minP: seq.includes("m") ? Math.fround(minP) : 0,
        order: [...seq].map((c) => names[c]!),
      });
      const lo = expectedRange(n, seq, topK, topP, minP);
      const kept = nonzero(p);
      expect(kept.indexOf(true)).toBe(lo);
      expect(kept.filter(Boolean).length).toBe(n - lo);
    });
  }
});

describe("Hugging Face test_logits_process.py (tolerance 1e-3, as there)", () => {
  const close = (got: ArrayLike<number>, want: number[]) =>
    want.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThan(1e-3));
  const softmax = (xs: number[]) => {
    const m = Math.max(...xs);
    const e = xs.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  };
  const ramp = (k: number) => Float32Array.from({ length: 10 }, (_, i) => (i - 5) * k);
  const uniform = (n: number) => new Float32Array(n).fill(1 / n);

  it("repetition penalty", async () => {
    const row0 = Array.from(uniform(10));
    row0[0] = -0.1;
    const row1 = Array.from(uniform(10));
    row1[5] = 0.4;
    const want0 = [...row0];
    want0[0] = -0.1 * 2;
    want0[1] = 0.1 / 2;
    const want1 = [...row1];
    want1[0] = 0.1 / 2;
    want1[5] = 0.4 / 2;
    close(await probsOf(Float32Array.from(row0), { repetitionPenalty: 2 }, [0, 1]), softmax(want0));
    close(await probsOf(Float32Array.from(row1), { repetitionPenalty: 2 }, [5, 0]), softmax(want1));
  });

  it("top-k", async () => {
    const r0 = Float32Array.from({ length: 10 }, (_, i) => i);
    const r1 = Float32Array.from({ length: 10 }, (_, i) => (i < 5 ? i + 10 : i));
    expect(nonzero(await probsOf(r0, { topK: 3 }))).toEqual([...Array(7).fill(false), ...Array(3).fill(true)]);
    expect(nonzero(await probsOf(r1, { topK: 3 }))).toEqual([
      false,
      false,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    // min_tokens_to_keep overrides k; a uniform distribution keeps every (tied) token
    expect(nonzero(await probsOf(uniform(5), { topK: 1, minTokensToKeep: 3 })).filter(Boolean).length).toBe(5);
    expect(
      nonzero(await probsOf(Float32Array.from([0, 1, 2, 3, 4]), { topK: 1, minTokensToKeep: 3 })).filter(Boolean)
        .length,
    ).toBe(3);
  });

  it("top-p", async () => {
    close(await probsOf([0.3, 0.1, 0.1, 0.5], { topP: 0.8 }), [0.3 / 0.8, 0, 0, 0.5 / 0.8]);
    close(await probsOf([0.15, 0.3, 0.3, 0.25], { topP: 0.8 }), [0, 0.3 / 0.85, 0.3 / 0.85, 0.25 / 0.85]);
    expect(nonzero(await probsOf(ramp(1), { topP: 0.9, minTokensToKeep: 2 })).filter(Boolean).length).toBe(3);
    expect(nonzero(await probsOf(ramp(100), { topP: 0.9, minTokensToKeep: 2 })).filter(Boolean).length).toBe(2);
  });

  it("min-p", async () => {
    close(await probsOf([0.9, 0.0274, 0.047, 0.0274], { minP: 0.05 }), [0.9 / 0.947, 0, 0.047 / 0.947, 0]);
    close(await probsOf([0.15, 0.3, 0.3, 0.25], { minP: 0.05 }), [0.15, 0.3, 0.3, 0.25]);
    close(await probsOf([0.97, 0.01, 0.01, 0.01], { minP: 0.05 }), [1, 0, 0, 0]);
    expect(nonzero(await probsOf(ramp(1), { minP: 0.9, minTokensToKeep: 2 })).filter(Boolean).length).toBe(2);
    expect(nonzero(await probsOf(ramp(100), { minP: 0.9, minTokensToKeep: 2 })).filter(Boolean).length).toBe(2);
  });

  it("typical", async () => {
    close(await probsOf([0.97, 0.01, 0.01, 0.01], { typicalP: 0.5 }), [1, 0, 0, 0]);
    close(await probsOf([0.4, 0.2, 0.2, 0.2], { typicalP: 0.5 }), [0, 1 / 3, 1 / 3, 1 / 3]);
    expect(nonzero(await probsOf(uniform(5), { typicalP: 0.5, minTokensToKeep: 3 })).filter(Boolean).length).toBe(5);
    expect(nonzero(await probsOf(ramp(1), { typicalP: 0.7, minTokensToKeep: 2 })).filter(Boolean).length).toBe(2);
    expect(nonzero(await probsOf(ramp(100), { typicalP: 0.7, minTokensToKeep: 2 })).filter(Boolean).length).toBe(2);
  });

  it("epsilon", async () => {
    close(await probsOf([0.87, 0.099, 0.001, 0.03], { epsilonCutoff: 0.1 }), [1, 0, 0, 0]);
    close(await probsOf([0.4, 0.299, 0.101, 0.2], { epsilonCutoff: 0.1 }), [0.4, 0.299, 0.101, 0.2]);
    expect(nonzero(await probsOf(ramp(1), { epsilonCutoff: 5e-2, minTokensToKeep: 2 })).filter(Boolean).length).toBe(3);
    expect(nonzero(await probsOf(ramp(100), { epsilonCutoff: 5e-2, minTokensToKeep: 2 })).filter(Boolean).length).toBe(
      2,
    );
  });

  it("eta", async () => {
    close(await probsOf([0.0, 0.1, 0.8, 0.1], { etaCutoff: 0.0625 }), [0, 0.1, 0.8, 0.1]);
    close(await probsOf([0.01, 0.04, 0.9, 0.05], { etaCutoff: 0.0625 }), [0, 0, 1, 0]);
    expect(nonzero(await probsOf(ramp(1), { etaCutoff: 0.1, minTokensToKeep: 2 })).filter(Boolean).length).toBe(2);
    expect(nonzero(await probsOf(ramp(100), { etaCutoff: 0.1, minTokensToKeep: 2 })).filter(Boolean).length).toBe(2);
  });

  it("no-repeat n-gram", async () => {
    const u3 = uniform(3);
    expect(nonzero(await probsOf(u3, { noRepeatNgramSize: 2 }, [1, 1, 2, 1]))).toEqual([true, false, false]);
    expect(nonzero(await probsOf(u3, { noRepeatNgramSize: 2 }, [0, 1, 0, 1]))).toEqual([false, true, true]);
    expect(nonzero(await probsOf(u3, { noRepeatNgramSize: 3 }, [1, 1, 2, 1]))).toEqual([true, true, true]);
    expect(nonzero(await probsOf(u3, { noRepeatNgramSize: 3 }, [0, 1, 0, 1]))).toEqual([false, true, true]);
    // the banned token reappearing in an unrelated n-gram does not undo the ban
    const p = await probsOf(uniform(10), { noRepeatNgramSize: 3 }, [1, 2, 5, 7, 8, 5, 1, 2]);
    expect(
      nonzero(p)
        .map((x, i) => (x ? -1 : i))
        .filter((i) => i >= 0),
    ).toEqual([5]);
    // a context one token short of an n-gram bans nothing
    expect(nonzero(await probsOf(u3, { noRepeatNgramSize: 3 }, [1, 2]))).toEqual([true, true, true]);
  });

  it("bad words (HF drops the EOS-only entry [4] before applying; so do we by not listing it)", async () => {
    const bad = [[1], [1, 0], [0, 1, 2], [1, 3, 1, 3]];
    const u5 = uniform(5);
    expect(nonzero(await probsOf(u5, { badWordsIds: bad }, [0, 1, 3, 1]))).toEqual([false, false, true, false, true]);
    expect(nonzero(await probsOf(u5, { badWordsIds: bad }, [0, 1, 0, 1]))).toEqual([false, false, false, true, true]);
  });
});

describe('llama.cpp\'s rules under order "llama.cpp" (cases read from its src/llama-sampler.cpp; tolerance 1e-5)', () => {
  const base = [0.1, 0.2, 0.3, 0.4];
  const llama = { order: "llama.cpp" } as const;
  const near = (got: Float32Array, want: number[]) =>
    want.forEach((x, i) => expect(Math.abs(got[i]! - x)).toBeLessThan(1e-5));

  it("top-k takes no minTokensToKeep: topK 1 with minTokensToKeep 3 keeps one token (Hugging Face keeps three)", async () => {
    near(await probsOf(base, { ...llama, topK: 1, minTokensToKeep: 3 }), [0, 0, 0, 1]);
    near(await probsOf(base, { topK: 1, minTokensToKeep: 3 }), [0, 0.2 / 0.9, 0.3 / 0.9, 0.4 / 0.9]);
  });

  it("top-n-sigma takes no minTokensToKeep", async () => {
    near(await probsOf(base, { ...llama, topNSigma: 1, minTokensToKeep: 4 }), [0, 0, 0.3 / 0.7, 0.4 / 0.7]);
    near(await probsOf(base, { topNSigma: 1, minTokensToKeep: 4 }), [0.1, 0.2, 0.3, 0.4]);
  });

  it("temperature 0 keeps the best token where it stands: after XTC it is XTC's survivor (greedy first would give token 3)", async () => {
    near(await probsOf(base, { ...llama, temperature: 0, xtc: { probability: 1, threshold: 0.15 } }), [0, 1, 0, 0]);
    near(await probsOf(base, { temperature: 0, xtc: { probability: 1, threshold: 0.15 } }), [0, 0, 0, 1]);
  });

  it("temperature 0 with a dynamic range is dynamic within [0, range], not greedy (worked by hand)", async () => {
    // H([.1, .2, .3, .4]) / ln 4 = 0.92322, the temperature; p ** (1 / 0.92322), normalised
    const want = [0.0917894, 0.1944725, 0.3017131, 0.412025];
    near(await probsOf(base, { ...llama, temperature: 0, dynamicTemperature: { range: 1 } }), want);
    near(await probsOf(base, { temperature: 0, dynamicTemperature: { range: 1 } }), [0, 0, 0, 1]);
  });

  it("minP above 1 keeps the best max(1, minTokensToKeep), as llama.cpp's test min_p 1.05; Hugging Face's range rejects it", async () => {
    near(await probsOf(base, { ...llama, minP: 1.05 }), [0, 0, 0, 1]);
    near(await probsOf(base, { ...llama, minP: 1.05, minTokensToKeep: 2 }), [0, 0, 0.3 / 0.7, 0.4 / 0.7]);
    await expect(probsOf(base, { minP: 1.05 })).rejects.toThrow(/minP must be in \[0, 1\], got 1\.05/);
  });

  it("dynamic temperature counts -inf tokens in its maximum entropy: ln 5 with a fifth, banned token (worked by hand)", async () => {
    const five = [...base.map(Math.log), -Infinity];
    const o = { temperature: 1, dynamicTemperature: { range: 0.5 } };
    // llama.cpp: H / ln 5 = 0.795218 -> T = 0.5 + 1 * 0.795218; Hugging Face-style: H / ln 4 = 0.92322 -> T = 1.42322
    const pow = (t: number) => {
      const q = base.map((p) => p ** (1 / t));
      const z = q.reduce((a, b) => a + b);
      return q.map((x) => x / z);
    };
    near(await probsOf(Float32Array.from(five), { ...llama, ...o }), [...pow(0.5 + 0.7952181), 0]);
    near(await probsOf(Float32Array.from(five), o), [...pow(0.5 + 0.9232197), 0]);
  });

  it("XTC counts -inf tokens in its minTokensToKeep test", async () => {
    const logits = Float32Array.from([Math.log(0.6), Math.log(0.4), -Infinity, -Infinity]);
    const o = { xtc: { probability: 1, threshold: 0.1 }, minTokensToKeep: 2 };
    near(await probsOf(logits, { ...llama, ...o }), [0, 1, 0, 0]); // 4 in its array - 1 removed >= 2
    near(await probsOf(logits, o), [0.6, 0.4, 0, 0]); // 2 finite - 1 removed < 2: XTC does not apply
  });
});

describe("top-a (KoboldCpp, text-generation-webui: keep p >= topA * p_max^2; worked by hand, tolerance 1e-5)", () => {
  const near = (got: Float32Array, want: number[]) =>
    want.forEach((x, i) => expect(Math.abs(got[i]! - x)).toBeLessThan(1e-5));
  const p = [0.05, 0.15, 0.8];

  it("cuts at topA * p_max^2", async () => {
    near(await probsOf(p, { topA: 0.2 }), [0, 0.15 / 0.95, 0.8 / 0.95]); // bar 0.128
    near(await probsOf(p, { topA: 0.3 }), [0, 0, 1]); // bar 0.192
    near(await probsOf(p, { topA: 0.05 }), [0.05, 0.15, 0.8]); // bar 0.032
    near(await probsOf([0.1, 0.2, 0.3, 0.4], { topA: 1 }), [0, 0.2 / 0.9, 0.3 / 0.9, 0.4 / 0.9]); // bar 0.16
  });

  it("keeps minTokensToKeep, the best ones (text-generation-webui keeps the first in sorted order)", async () => {
    near(await probsOf(p, { topA: 0.3, minTokensToKeep: 2 }), [0, 0.15 / 0.95, 0.8 / 0.95]);
  });

  it("acts after temperature in the hf order, on the tempered distribution", async () => {
    // temperature 2: p ∝ sqrt(p) = [0.2236, 0.3873, 0.8944] / 1.5053 -> p_max 0.5942, bar 0.5 * 0.3531 = 0.1765
    const q = [Math.sqrt(0.05), Math.sqrt(0.15), Math.sqrt(0.8)];
    const z = q[1]! + q[2]!;
    near(await probsOf(p, { topA: 0.5, temperature: 2 }), [0, q[1]! / z, q[2]! / z]);
  });

  it("rejects values outside [0, 1] and leaves 0 neutral", async () => {
    await expect(probsOf(p, { topA: 1.5 })).rejects.toThrow(/topA must be in \[0, 1\], got 1\.5/);
    await expect(probsOf(p, { topA: -0.1 })).rejects.toThrow(/topA must be in \[0, 1\], got -0\.1/);
    near(await probsOf(p, { topA: 0 }), p);
  });

  it("a large vocabulary takes the dense path and agrees with the candidate path", async () => {
    const V = 50_000;
    const logits = new Float32Array(V);
    for (let i = 0; i < V; i++) logits[i] = Math.sin(i * 12.9898) * 4 + (i % 997 === 0 ? 6 : 0);
    const dense = await probsOf(logits, { topA: 0.02 });
    const viaTopK = await probsOf(logits, { topK: V - 1, topA: 0.02, order: ["topK", "topA"] }); // candidates first
    let d = 0;
    for (let i = 0; i < V; i++) d += Math.abs(dense[i]! - viaTopK[i]!);
    expect(d).toBeLessThan(1e-4);
    expect(dense.filter((x) => x > 0).length).toBeGreaterThan(0);
  });
});
