// Nothing lost, nothing duplicated: each failure found by using the Generation as a hostile user would is a
// regression test here, then a property test of the streaming contract over random pure decoders.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createBeamSearch,
  createSampler,
  fromGenerationConfig,
  fromOpenAI,
  HF_ORDER,
  LLAMA_ORDER,
  type Generation,
  type SamplerOptions,
} from "../js/index.js";

const V = 64;

/** Logits whose argmax is `t` (10 there, 0 elsewhere). */
function pick(t: number, vocab = V): Float32Array {
  const l = new Float32Array(vocab);
  l[t] = 10;
  return l;
}

/** Hugging Face's clean_up_tokenization on a plain concatenation of pieces. */
function cleanUp(s: string): string {
  return s
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** Steps a greedy generation through `tokens`; returns the step texts. */
function drive(g: Generation, tokens: number[], vocab = V): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (g.done) break;
    out.push(g.step(pick(t, vocab)).text);
  }
  return out;
}

describe("regressions: text lost or duplicated", () => {
  const pieces = ["Hi", " ", ".", "x"];
  const decode = (ids: number[]) => cleanUp(ids.map((i) => pieces[i]).join(""));

  it("a decode whose text shrinks when a token arrives (clean-up spaces) loses nothing", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    const g = s.generation({ decode, maxNewTokens: 4 });
    const steps = drive(g, [0, 1, 2, 3]);
    expect(g.text).toBe("Hi.x");
    expect(steps.join("")).toBe("Hi.x");
    expect(decode(g.tokens)).toBe("Hi.x");
  });

  it("a throwing decode leaves the generation, the random stream and mirostat's mu as they were", async () => {
    const o: SamplerOptions = { vocabSize: V, seed: 9, mirostat: { version: 2, tau: 3 } };
    const a = await createSampler(o);
    const twin = await createSampler(o);
    let fail = false;
    const letters = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.,";
    const text = (ids: number[]) => ids.map((i) => letters[i]).join("");
    const g = a.generation({
      decode: (ids) => {
        if (fail) throw new Error("tokenizer down");
        return text(ids);
      },
      maxNewTokens: 30,
    });
    const h = twin.generation({ decode: text, maxNewTokens: 30 });
    const logits = new Float32Array(V).map((_, i) => Math.sin(i) * 2);
    for (let i = 0; i < 30; i++) {
      fail = i % 3 === 1;
      if (fail) {
        const before = { tokens: [...g.tokens], text: g.text };
        expect(() => g.step(logits)).toThrow("tokenizer down");
        expect({ tokens: g.tokens, text: g.text }).toEqual(before);
        fail = false;
      }
      const x = g.step(logits);
      const y = h.step(logits);
      expect(x).toEqual(y); // same token, text and logprob as a generation that never failed
    }
    expect(g.text).toBe(h.text);
    expect(g.text).toBe(text(g.tokens));
  });

  it("a decode that throws on the EOS step leaves EOS out of the tokens and the generation open", async () => {
    // token 1 may begin the stop sequence [1, 9], so it is decoded only when the next token (EOS) arrives
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    let fail = false;
    const g = s.generation({
      eosTokenId: 5,
      stop: [[1, 9]],
      decode: (ids) => {
        if (fail && ids.includes(1)) throw new Error("boom");
        return ids.map((i) => String.fromCharCode(97 + i)).join("");
      },
    });
    drive(g, [0, 1]);
    fail = true;
    expect(() => g.step(pick(5))).toThrow("boom");
    expect(g.tokens).toEqual([0, 1]);
    expect(g.done).toBe(false);
    fail = false;
    g.step(pick(5));
    expect(g).toMatchObject({ tokens: [0, 1, 5], done: true, finishReason: "eos", text: "ab" });
  });

  it("decode returning a non-string is a TypeError naming decode, with nothing changed", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    for (const bad of [undefined, 42, null, ["a"]]) {
      let ok = true;
      const g = s.generation({ decode: (ids) => (ok ? ids.map(String).join("|") : (bad as unknown as string)) });
      drive(g, [1, 2]);
      ok = false;
      expect(() => g.step(pick(3))).toThrow(/decode must be a function that returns a string, got/);
      expect(g.tokens).toEqual([1, 2]);
      ok = true;
      drive(g, [3, 4]);
      expect(g.tokens).toEqual([1, 2, 3, 4]);
    }
  });

  it("decode re-entering the generation or its sampler is a clear error, and the generation carries on", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    let reenter: "step" | "sample" | "generation" | null = null;
    const g: Generation = s.generation({
      decode: (ids) => {
        if (reenter === "step") g.step(pick(1));
        if (reenter === "sample") s.sample(pick(1));
        if (reenter === "generation") s.generation({}).step(pick(1));
        return ids.map(String).join(",");
      },
    });
    drive(g, [7]);
    reenter = "step";
    expect(() => g.step(pick(8))).toThrow(/decode called back into its generation or sampler/);
    reenter = "sample";
    expect(() => g.step(pick(8))).toThrow(/decode called back into its generation or sampler/);
    reenter = "generation";
    expect(() => g.step(pick(8))).toThrow(/decode called back into its generation or sampler/);
    reenter = null;
    drive(g, [8, 9]);
    expect(g.tokens).toEqual([7, 8, 9]);
    expect(s.sample(pick(3))).toBe(3); // the sampler works again
  });
});

describe("regressions: bounded holdback", () => {
  it("tokens that stay U+FFFD are released after 4 more tokens, and decode sees a short window", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    let decoded = 0;
    const g = s.generation({
      decode: (ids) => {
        decoded += ids.length;
        return "\uFFFD".repeat(ids.length);
      },
      maxNewTokens: 5000,
    });
    const steps = drive(g, new Array(5000).fill(3));
    expect(g.text).toBe("\uFFFD".repeat(5000));
    expect(steps.join("")).toBe(g.text);
    // streamed all along: no run of 6 steps without text
    let quiet = 0;
    for (const t of steps.slice(0, -1)) {
      quiet = t === "" ? quiet + 1 : 0;
      expect(quiet).toBeLessThan(6);
    }
    expect(decoded).toBeLessThan(5000 * 25); // at most a couple of windows of at most 13 ids per step
  });

  it("tokens that decode to '' do not grow the window", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    let longest = 0;
    const g = s.generation({
      decode: (ids) => {
        longest = Math.max(longest, ids.length);
        return ids.map((i) => (i === 2 ? "" : "z")).join("");
      },
      maxNewTokens: 3000,
    });
    drive(g, [1, ...new Array(2998).fill(2), 1]);
    expect(g.text).toBe("zz");
    expect(longest).toBeLessThanOrEqual(13);
  });

  it("a 100,000-character stop string matches when it completes, and only then", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    const stop = `${"ab".repeat(50_000)}!`;
    const g = s.generation({
      decode: (ids) => ids.map((i) => "ab!c"[i]).join(""),
      stop: [stop],
      maxNewTokens: 100_010,
    });
    drive(g, [3, ...new Array(100_000).fill(0).map((_, i) => i % 2), 2, 3]);
    expect(g).toMatchObject({ done: true, finishReason: "stop", text: "c" });
  });
});

describe("regressions: stops independent of their order", () => {
  it("token-id sequences ending on the same token: the one that starts earliest wins, in either order", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    const texts = [];
    for (const stop of [
      [
        [2, 3],
        [1, 2, 3],
      ],
      [
        [1, 2, 3],
        [2, 3],
      ],
    ]) {
      const g = s.generation({ decode: (ids) => ids.map(String).join(""), stop });
      drive(g, [0, 1, 2, 3, 4]);
      texts.push(g.text);
    }
    expect(texts).toEqual(["0", "0"]);
  });

  it("stop strings completing at the same step: the one that starts earliest wins, in either order", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    for (const stop of [
      ["bcd", "abcde"],
      ["abcde", "bcd"],
    ]) {
      // "de" is one token: both stops complete when it arrives
      const g = s.generation({ decode: (ids) => ids.map((i) => ["x", "a", "b", "c", "de"][i]).join(""), stop });
      drive(g, [0, 1, 2, 3, 4, 0]);
      expect(g.text).toBe("x");
    }
  });
});

describe("regressions: every input read once", () => {
  it("a context read through a Proxy is read once per id; a value that changes after the check cannot reach the engine", async () => {
    const s = await createSampler({ vocabSize: V, seed: 1, repetitionPenalty: 1.5, noRepeatNgramSize: 2 });
    const reads = new Map<string, number>();
    const ids = [1, 2, 3, 1, 2];
    const proxy = new Proxy(ids, {
      get(target, key, r) {
        if (typeof key === "string" && /^\d+$/.test(key)) {
          reads.set(key, (reads.get(key) ?? 0) + 1);
          // a second read would see an id outside the vocabulary
          if (reads.get(key)! > 1) return 1e9;
        }
        return Reflect.get(target, key, r);
      },
    });
    const logits = new Float32Array(V).map((_, i) => (i % 7) / 3);
    const twin = await createSampler({ vocabSize: V, seed: 1, repetitionPenalty: 1.5, noRepeatNgramSize: 2 });
    expect(s.probs(logits, proxy)).toEqual(twin.probs(logits, ids));
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
    // and the penalty still applies afterwards (no dirty counts)
    expect(s.probs(logits, [1, 1])).toEqual(twin.probs(logits, [1, 1]));
  });

  it("options: own properties only, getters evaluated once, arrays copied, the exported orders frozen", async () => {
    (Object.prototype as Record<string, unknown>).logitBias = { 3: -Infinity };
    try {
      const s = await createSampler({ vocabSize: V, temperature: 0 });
      expect(s.sample(pick(3))).toBe(3); // the inherited logitBias is not an option
    } finally {
      delete (Object.prototype as Record<string, unknown>).logitBias;
    }
    let reads = 0;
    const o = {
      vocabSize: V,
      get mirostat() {
        reads++;
        return { version: 2 as const, tau: reads > 1 ? -1 : 3 };
      },
    };
    await createSampler(o);
    expect(reads).toBe(1);
    const order: ("topK" | "temperature")[] = ["topK", "temperature"];
    const s = await createSampler({ vocabSize: V, topK: 2, temperature: 2, order, seed: 3 });
    order.reverse();
    const twin = await createSampler({
      vocabSize: V,
      topK: 2,
      temperature: 2,
      order: ["topK", "temperature"],
      seed: 3,
    });
    const l = new Float32Array(V).map((_, i) => i / 10);
    expect(s.probs(l)).toEqual(twin.probs(l));
    expect(Object.isFrozen(HF_ORDER)).toBe(true);
    expect(Object.isFrozen(LLAMA_ORDER)).toBe(true);
    expect(() => (HF_ORDER as string[]).splice(0, 1)).toThrow(TypeError);
  });
});

describe("regressions: holes, odd values and overflows are named errors, with nothing changed", () => {
  it("array holes", async () => {
    const s = await createSampler({ vocabSize: V });
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    expect(() => s.generation({ eosTokenId: [, 5] as number[] })).toThrow(
      /eosTokenId\[0\] must be a token id in \[0, 64\), got undefined/,
    );
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    expect(() => s.generation({ stop: [[, 3] as number[]] })).toThrow(/stop\[0\]\[0\] must be a token id/);
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    await expect(createSampler({ vocabSize: V, badWordsIds: [[5, ,] as number[]] })).rejects.toThrow(
      /badWordsIds\[0\]\[1\] must be a token id/,
    );
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    await expect(createSampler({ vocabSize: V, badWordsIds: [, [1]] as number[][] })).rejects.toThrow(
      /badWordsIds\[0\] must be a non-empty array of token ids, got undefined/,
    );
  });

  it("BigInt, Symbol and non-numbers as ids, and contexts with bad lengths", async () => {
    const s = await createSampler({ vocabSize: V, seed: 1 });
    const l = pick(2);
    expect(() => s.sample(l, [1, 2n as unknown as number])).toThrow(
      /context\[1\] must be a token id in \[0, 64\), got 2n/,
    );
    expect(() => s.sample(l, [Symbol("x") as unknown as number])).toThrow(
      /context\[0\] must be a token id in \[0, 64\), got a Symbol/,
    );
    expect(() => s.sample(l, { length: -1 } as ArrayLike<number>)).toThrow(
      /context\.length must be an integer in \[0, 2\^32\), got -1/,
    );
    expect(() => s.sample(l, { length: Number.NaN } as ArrayLike<number>)).toThrow(
      /context\.length must be an integer/,
    );
    expect(() => s.generation({ prompt: { length: 1.5 } as ArrayLike<number> })).toThrow(
      /prompt\.length must be an integer/,
    );
    expect(s.sample(l)).toBe(2);
  });

  it("the same token twice in logitBias after normalisation", async () => {
    await expect(
      createSampler({ vocabSize: V, logitBias: { 7: 100, "007": -Infinity } as Record<string, number> }),
    ).rejects.toThrow(/logitBias has token 7 twice \(keys "7" and "007"\)/);
    const m = new Map<unknown, number>([
      [7, 1],
      ["7", 2],
    ]) as unknown as Map<number, number>;
    await expect(createSampler({ vocabSize: V, logitBias: m })).rejects.toThrow(
      /logitBias has token 7 twice \(keys 7 and "7"\)/,
    );
  });

  it("options whose float32 effect would overflow are rejected at creation, with the limit", async () => {
    const cases: [Partial<SamplerOptions>, RegExp][] = [
      [{ temperature: 1e-40 }, /temperature must be 0 or in \[1e-30, 1e\+30\], got 1e-40/],
      [{ logitBias: { 1: 1e300 } }, /logitBias\[1\] must be -Infinity or in \[-1e\+30, 1e\+30\], got 1e\+300/],
      [{ repetitionPenalty: 1e-300 }, /repetitionPenalty must be in \[1e-30, 1e\+30\], got 1e-300/],
      [{ frequencyPenalty: 1e300 }, /frequencyPenalty must be in \[-1e\+30, 1e\+30\]/],
    ];
    for (const [o, re] of cases) await expect(createSampler({ vocabSize: V, ...o })).rejects.toThrow(re);
  });

  it("a beam search whose transforms remove every token of a row is an error, not an empty result", async () => {
    const bias = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [i, -Infinity]));
    const b = await createBeamSearch({ vocabSize: 8, numBeams: 2, maxNewTokens: 3, logitBias: bias });
    expect(() => b.step(new Float32Array(8))).toThrow(/logits row 0: every token was removed/);
    expect(b.done).toBe(false);
  });
});

describe("regressions: the dialects match Hugging Face's Python", () => {
  it("min_length counts the prompt and blocks EOS (generation/utils.py _prepare_generated_length; min_new_tokens wins)", () => {
    const r = fromGenerationConfig({ min_length: 20, max_new_tokens: 50 }, { promptLength: 12 });
    expect(r.mode !== "beam" && r.generation.minNewTokens).toBe(8);
    const w = fromGenerationConfig({ min_length: 20, min_new_tokens: 3 }, { promptLength: 12 });
    expect(w.mode !== "beam" && w.generation.minNewTokens).toBe(3);
    expect(() => fromGenerationConfig({ min_length: 20 })).toThrow(/min_length counts the prompt/);
  });

  it("min_new_tokens above max_new_tokens: Python warns and generates max_new_tokens with EOS blocked", () => {
    const r = fromGenerationConfig({ min_new_tokens: 30, max_new_tokens: 10 });
    expect(r.mode !== "beam" && r.generation).toMatchObject({ minNewTokens: 10, maxNewTokens: 10 });
  });

  it("bad_words_ids entries that are exactly an EOS id are dropped (NoBadWordsLogitsProcessor)", () => {
    const r = fromGenerationConfig({ bad_words_ids: [[2], [4], [2, 5]], eos_token_id: [2, 3] });
    expect(r.mode !== "beam" && r.sampler.badWordsIds).toEqual([[4], [2, 5]]);
  });

  it("a bad word longer than the context is skipped (SequenceBiasLogitsProcessor), so its prefix equal to the whole context bans nothing", async () => {
    const s = await createSampler({ vocabSize: V, badWordsIds: [[1, 2, 3]] });
    const l = new Float32Array(V);
    expect(s.probs(l, [1, 2])[3]).toBeGreaterThan(0); // length 3 > context length 2: skipped
    expect(s.probs(l, [0, 1, 2])[3]).toBe(0);
  });

  it("bad arguments are errors in the dialect's spelling", () => {
    expect(() => fromGenerationConfig({}, null as unknown as object)).toThrow(/opts must be an object/);
    expect(() => fromGenerationConfig({ repetition_penalty: Infinity })).toThrow(/repetition_penalty must be/);
    expect(() => fromGenerationConfig({ num_beams: 2, length_penalty: Number.NaN })).toThrow(
      /length_penalty must be a finite float/,
    );
    expect(() => fromOpenAI([] as unknown as Parameters<typeof fromOpenAI>[0])).toThrow(/params must be an object/);
  });
});

// ---- the property: the streaming contract over random pure decoders ----

type DecoderKind = "plain" | "cleanup" | "sentencepiece" | "bytes";

/** A pure, local decoder of one of the four kinds over a random vocabulary. */
function makeDecoder(kind: DecoderKind, seed: number): (ids: number[]) => string {
  const r = (() => {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  })();
  const words = ["a", "b", "ab", " ", ".", "'", " '", "s", "n't", " .", "", "é", "日", "\n", " a", "x!", ","];
  const pieces = Array.from({ length: V }, () => words[Math.floor(r() * words.length)]!);
  if (kind === "plain") return (ids) => ids.map((i) => pieces[i]).join("");
  if (kind === "cleanup") return (ids) => cleanUp(ids.map((i) => pieces[i]).join(""));
  if (kind === "sentencepiece") {
    // "▁" marks a word start; the decoded text drops the leading space of the whole sequence
    const sp = pieces.map((p) => p.replaceAll(" ", "▁"));
    return (ids) =>
      ids
        .map((i) => sp[i])
        .join("")
        .replaceAll("▁", " ")
        .replace(/^ /, "");
  }
  // byte-level: each token is one to three bytes of UTF-8 text (characters split across tokens), or a stray byte
  const text = new TextEncoder().encode("héllo wörld 日本語 🎉 ok.");
  const bytes = Array.from({ length: V }, (_, i) => {
    if (i % 11 === 0) return [0x80 + (i % 40)]; // a continuation byte alone: U+FFFD for good
    const at = Math.floor(r() * text.length);
    return Array.from(text.subarray(at, at + 1 + Math.floor(r() * 3)));
  });
  const dec = new TextDecoder();
  return (ids) => dec.decode(Uint8Array.from(ids.flatMap((i) => bytes[i]!)));
}

describe("the streaming contract (fast-check, seed 20261130)", () => {
  it("for random token streams, decoders, stops and injected decode failures: steps concatenate to text, which is decode(tokens) cut at the first stop", async () => {
    const sampler = await createSampler({ vocabSize: V, temperature: 0 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<DecoderKind>("plain", "cleanup", "sentencepiece", "bytes"),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.constantFrom("a.", "b'", "ab", " a", "ll", "日本", "\n", "n't", "x"), { maxLength: 2 }),
        fc.boolean(),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        async (kind, seed, tokens, stops, include, failRate) => {
          const pure = makeDecoder(kind, seed);
          let calls = 0;
          const flaky = (ids: number[]) => {
            calls++;
            if (((calls * 2654435761) >>> 0) / 4294967296 < failRate) throw new Error("injected");
            return pure(ids);
          };
          const g = sampler.generation({
            decode: flaky,
            stop: stops,
            includeStopInOutput: include,
            maxNewTokens: tokens.length,
          });
          let joined = "";
          for (const t of tokens) {
            for (let attempt = 0; ; attempt++) {
              try {
                joined += g.step(pick(t)).text;
                break;
              } catch (e) {
                if (!(e instanceof Error) || e.message !== "injected" || attempt > 50) throw e;
              }
            }
            expect(joined).toBe(g.text);
            if (g.done) break;
          }
          // the oracle: the first step n whose decode(tokens[:n]) shows a stop ends it, cut at the stop that
          // starts earliest (then ends first); otherwise the whole decode
          let expected = pure(g.tokens);
          for (let n = 1; n <= g.tokens.length; n++) {
            const full = pure(g.tokens.slice(0, n));
            let cut = -1,
              end = 0;
            for (const x of stops) {
              const i = full.indexOf(x);
              if (i >= 0 && (cut < 0 || i < cut || (i === cut && i + x.length < end))) {
                cut = i;
                end = i + x.length;
              }
            }
            if (cut >= 0) {
              expect(g.tokens.length).toBe(n);
              expect(g.finishReason).toBe("stop");
              expected = full.slice(0, include ? end : cut);
              break;
            }
          }
          expect(g.done).toBe(true);
          expect(g.text).toBe(expected);
        },
      ),
      { seed: 20261130, numRuns: 400 },
    );
  });
});
