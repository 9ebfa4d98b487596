// Generation: EOS and length control, stop sequences across token boundaries with a real tokenizer
// (cl100k_base from gpt-tokenizer), streaming text, logprobs, incremental penalties, errors.
import fc from "fast-check";
import { decoder as sharedDecoder } from "gpt-tokenizer/BytePairEncodingCore";
import { decode as tokenizerDecode, encode } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { createSampler, type GenerationOptions, type Sampler } from "../js/index.js";
import { makeLogits, rng } from "./helpers.js";

const V = 100352; // cl100k_base ids stay below 100352

/**
 * gpt-tokenizer's decode shares one streaming TextDecoder across calls: a call that ends inside a
 * character leaves its bytes pending, and they leak into the next call. Flushing after each call makes
 * decode the pure function a Generation needs (the README shows the same wrapper).
 */
const decode = (tokens: number[]): string => {
  const text = tokenizerDecode(tokens);
  sharedDecoder.decode();
  return text;
};
let greedy: Sampler;

/** A scripted model: the logits make `tokens[i]` the argmax at step i (0 elsewhere, 10 there). */
function scripted(tokens: number[]): (i: number) => Float32Array {
  const l = new Float32Array(V);
  let last = -1;
  return (i) => {
    if (last >= 0) l[last] = 0;
    last = tokens[Math.min(i, tokens.length - 1)]!;
    l[last] = 10;
    return l;
  };
}

/** Runs a generation over a scripted text; returns the final text, the step texts and the reason. */
async function run(text: string, o: GenerationOptions, extra: number[] = []) {
  greedy ??= await createSampler({ vocabSize: V, temperature: 0 });
  const toks = [...encode(text), ...extra];
  const logitsAt = scripted(toks);
  const g = greedy.generation({ decode, maxNewTokens: toks.length, ...o });
  const steps: string[] = [];
  for (let i = 0; !g.done && i < toks.length + 5; i++) steps.push(g.step(logitsAt(i)).text);
  expect(steps.join("")).toBe(g.text);
  return { text: g.text, steps, reason: g.finishReason, tokens: g.tokens, done: g.done };
}

const SAMPLE = "Hello world.\n\nNew paragraph: café 日本語 🎉!";

describe("stop strings across token boundaries (cl100k_base)", () => {
  it("the tokenizer splits the sample as the cases below assume (half characters decode alone as nothing or U+FFFD)", () => {
    expect(encode(SAMPLE).map((t) => decode([t]))).toEqual([
      "Hello",
      " world",
      ".\n\n",
      "New",
      " paragraph",
      ":",
      " café",
      " 日",
      "本",
      "",
      "\uFFFD",
      " ",
      "\uFFFD",
      "\uFFFD",
      "!",
    ]);
  });

  it("a stop spanning two tokens", async () => {
    const r = await run(SAMPLE, { stop: ["o w"] });
    expect(r).toMatchObject({ text: "Hell", reason: "stop", done: true });
  });

  it("a stop spanning three tokens, starting inside the first", async () => {
    const r = await run(SAMPLE, { stop: ["world.\n\nNew"] });
    expect(r.text).toBe("Hello ");
    expect(r.reason).toBe("stop");
    expect(r.tokens.length).toBe(4); // Hello, " world", ".\n\n", "New"
  });

  it("a stop inside one token (cl100k merges '.\\n\\n')", async () => {
    expect((await run(SAMPLE, { stop: ["\n\n"] })).text).toBe("Hello world.");
    expect((await run(SAMPLE, { stop: ["\n\n"], includeStopInOutput: true })).text).toBe("Hello world.\n\n");
  });

  it("a single-character stop", async () => {
    expect((await run(SAMPLE, { stop: [":"] })).text).toBe("Hello world.\n\nNew paragraph");
    expect((await run(SAMPLE, { stop: ["o"] })).text).toBe("Hell");
  });

  it("several stops, one a prefix of another: the one that completes first wins", async () => {
    expect((await run(SAMPLE, { stop: ["paragraph", "par"] })).text).toBe("Hello world.\n\nNew ");
    expect((await run(SAMPLE, { stop: ["New paragraph", "New"], includeStopInOutput: true })).text).toBe(
      "Hello world.\n\nNew",
    );
    // a longer stop that starts earlier but ends later loses to one that ends first
    expect((await run(SAMPLE, { stop: ["world.\n\nNew paragraph", "New"] })).text).toBe("Hello world.\n\n");
  });

  it("text that only looks like a stop prefix is released when it cannot complete", async () => {
    const r = await run("Hello world. Hello there.", { stop: ["Hello there!"] });
    expect(r.text).toBe("Hello world. Hello there.");
    expect(r.reason).toBe("length");
    // a token's text is released once the next token has not changed it; "Hello" was then held ("Hello
    // there!" could follow) and released with " world" once " world" was released
    expect(r.steps.slice(0, 3)).toEqual(["", "", "Hello world"]);
  });

  it("Unicode: stops inside multi-byte text, never a half character emitted", async () => {
    expect((await run(SAMPLE, { stop: ["本語"] })).text).toBe("Hello world.\n\nNew paragraph: café 日");
    const r = await run(SAMPLE, { stop: ["🎉"] });
    expect(r.text).toBe("Hello world.\n\nNew paragraph: café 日本語 ");
    const all = await run(SAMPLE, {}, []);
    expect(all.steps.some((t) => t.includes("\uFFFD"))).toBe(false);
    expect(all.text).toBe(SAMPLE);
    // the emoji's bytes span tokens: it is emitted whole, and the steps of its first bytes emit nothing
    const i = all.steps.findIndex((t) => t.includes("🎉"));
    expect(i).toBeGreaterThan(1);
    expect(all.steps[i - 1]).toBe("");
  });

  it("token-id stop sequences, excluded or included", async () => {
    const [nl, neu] = encode(".\n\nNew");
    const r = await run(SAMPLE, { stop: [[nl!, neu!]] });
    expect(r).toMatchObject({ text: "Hello world", reason: "stop" });
    expect((await run(SAMPLE, { stop: [[nl!, neu!]], includeStopInOutput: true })).text).toBe("Hello world.\n\nNew");
    // a prefix of a stop sequence that does not complete is released
    const [hello] = encode("Hello");
    const p = await run(SAMPLE, { stop: [[hello!, nl!]], maxNewTokens: 3 });
    expect(p).toMatchObject({ text: "Hello world.\n\n", reason: "length" });
  });

  it("minNewTokens: stops cannot end the sequence earlier", async () => {
    // "H" is released at step 2, before the minimum of 3 tokens: ignored
    const r = await run(SAMPLE, { stop: ["H"], minNewTokens: 3 });
    expect(r.text).toBe("Hello world.\n\nNew paragraph: café 日本語 🎉!");
    // the "o" of " world" is released at step 3, when stops count: it ends the sequence there
    const o = await run(SAMPLE, { stop: ["o"], minNewTokens: 3 });
    expect(o).toMatchObject({ text: "Hello w", reason: "stop" });
    expect(o.tokens.length).toBe(3);
  });
});

describe("EOS and length", () => {
  const EOS = 100257; // <|endoftext|>

  it("EOS ends the sequence, with its token kept and its text not", async () => {
    const r = await run("Hi there", { eosTokenId: EOS }, [EOS]);
    expect(r).toMatchObject({ text: "Hi there", reason: "eos" });
    expect(r.tokens[r.tokens.length - 1]).toBe(EOS);
  });

  it("several EOS ids", async () => {
    const [x] = encode("!");
    const r = await run("Hi there!", { eosTokenId: [EOS, x!] });
    expect(r).toMatchObject({ text: "Hi there", reason: "eos" });
  });

  it("minNewTokens suppresses EOS until the minimum", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    const l = new Float32Array(V);
    l[EOS] = 10;
    l[42] = 5;
    const g = s.generation({ eosTokenId: EOS, minNewTokens: 3, maxNewTokens: 10 });
    expect([g.step(l).token, g.step(l).token, g.step(l).token]).toEqual([42, 42, 42]);
    const last = g.step(l);
    expect(last).toMatchObject({ token: EOS, done: true, finishReason: "eos" });
  });

  it("ignoreEos keeps going to maxNewTokens", async () => {
    const r = await run("Hi", { eosTokenId: EOS, ignoreEos: true, maxNewTokens: 4 }, [EOS, EOS]);
    expect(r.reason).toBe("length");
    expect(r.tokens.length).toBe(4);
  });

  it("maxNewTokens", async () => {
    const r = await run(SAMPLE, { maxNewTokens: 2 });
    expect(r).toMatchObject({ text: "Hello world", reason: "length" });
  });

  it("no decode: tokens and token stops only", async () => {
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    const toks = encode(SAMPLE);
    const at = scripted(toks);
    const g = s.generation({ stop: [[toks[2]!]] });
    while (!g.done) expect(g.step(at(g.tokens.length)).text).toBe("");
    expect(g.tokens).toEqual(toks.slice(0, 3));
    expect(g.finishReason).toBe("stop");
  });
});

describe("logprobs", () => {
  it("each step reports the chosen token's logprob and the top list of its distribution", async () => {
    const s = await createSampler({ vocabSize: 5000, seed: 3, topK: 20, temperature: 0.9 });
    const probe = await createSampler({ vocabSize: 5000, seed: 3, topK: 20, temperature: 0.9 });
    const g = s.generation({ logprobs: 3, maxNewTokens: 20 });
    for (let i = 0; i < 20; i++) {
      const l = makeLogits(5000, i, "llm");
      const r = g.step(l);
      const p = probe.probs(l, []);
      expect(Math.abs(r.logprob - Math.log(p[r.token]!))).toBeLessThan(1e-5);
      expect(r.topLogprobs).toEqual(probe.topLogprobs(3, l));
    }
    const g0 = s.generation({ logprobs: 0 });
    expect(g0.step(makeLogits(5000, 1, "llm")).topLogprobs).toBeUndefined();
  });
});

describe("incremental history equals the stateless context", () => {
  it("penalties over a window, DRY, n-gram bans and bad words: same tokens as sample(context)", async () => {
    const o = {
      vocabSize: 300,
      seed: 11,
      repetitionPenalty: 1.4,
      presencePenalty: 0.6,
      frequencyPenalty: 0.3,
      penaltyLastN: 24,
      noRepeatNgramSize: 3,
      badWordsIds: [[5, 6], [7], [1, 2, 3]],
      topK: 30,
      dry: { multiplier: 0.8, base: 1.75, allowedLength: 2, penaltyLastN: 64, sequenceBreakers: [[9], [10, 11]] },
    };
    const a = await createSampler(o);
    const b = await createSampler(o);
    const r = rng(5);
    const prompt = Array.from({ length: 40 }, () => Math.floor(r() * 20));
    const g = a.generation({ prompt, maxNewTokens: 300 });
    const ctx = [...prompt];
    for (let i = 0; i < 300; i++) {
      // logits favour a few ids so that repeats, n-grams and bad-word prefixes occur
      const l = makeLogits(300, 1000 + i, "flat");
      for (let t = 0; t < 12; t++) l[t]! += 4;
      const got = g.step(l).token;
      expect(got).toBe(b.sample(l, ctx));
      ctx.push(got);
    }
  });
});

describe("streaming invariant over seeded random generations", () => {
  const pieces = [
    "Hello",
    " world",
    ".\n\n",
    "New",
    " paragraph",
    ":",
    " café",
    " 日本語",
    " 🎉",
    "!",
    "ab",
    "abc",
    " a",
    "b",
    "c",
    "\n",
  ];
  const alphabet = [...new Set(pieces.flatMap((p) => encode(p)))];
  const stopsArb = fc.array(
    fc.constantFrom("abc", "b", "bc", ".\n", "\n\nN", "world", "🎉", "本", "ab", "o w", "c a"),
    { minLength: 1, maxLength: 3 },
  );

  /** Held part of `full`, computed independently: the longest suffix that is a proper prefix of a stop. */
  function oracleHeld(full: string, stops: string[]): number {
    for (let k = full.length; k > 0; k--) {
      const suffix = full.slice(full.length - k);
      if (stops.some((s) => s.length > k && s.startsWith(suffix))) return k;
    }
    return 0;
  }

  it("step texts concatenate to text, never contain a stop, and release text as soon as it is stable and cannot become one", async () => {
    // The "model" emits whole pieces of text, one token per step (so characters still span tokens);
    // a greedy sampler follows it, and the seed picks the pieces.
    const s = await createSampler({ vocabSize: V, temperature: 0 });
    const pieceTokens = pieces.map((p) => encode(p));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1e9 }), stopsArb, fc.boolean(), async (seed, stops, include) => {
        const r = rng(seed);
        const l = new Float32Array(V).fill(-Infinity);
        const queue: number[] = [];
        const g = s.generation({ decode, stop: stops, includeStopInOutput: include, maxNewTokens: 40 });
        let joined = "";
        while (!g.done) {
          if (queue.length === 0) queue.push(...pieceTokens[Math.floor(r() * pieceTokens.length)]!);
          for (const t of alphabet) l[t] = r() * 3;
          l[queue.shift()!] = 10;
          const st = g.step(l);
          joined += st.text;
          expect(joined).toBe(g.text);
          expect(st.text.includes("\uFFFD")).toBe(false);
          const full = decode(g.tokens);
          // the stop occurrence that starts earliest in the whole decoded output (then ends first), by brute force:
          // none existed before this step, or the generation would have ended then
          let cut = -1,
            cutEnd = Infinity;
          for (const x of stops) {
            const i = full.indexOf(x);
            if (i >= 0 && (cut < 0 || i < cut || (i === cut && i + x.length < cutEnd))) {
              cut = i;
              cutEnd = i + x.length;
            }
          }
          if (cut >= 0) {
            expect(g.done).toBe(true);
            expect(g.finishReason).toBe("stop");
            expect(g.text).toBe(full.slice(0, include ? cutEnd : cut));
          } else if (!g.done) {
            if (!include) for (const x of stops) expect(g.text.includes(x)).toBe(false);
            // released exactly the text the latest token did not change, less what could still be part of a
            // stop (a character still incomplete is in neither decode: the pure decode drops it)
            const before = decode(g.tokens.slice(0, -1));
            let k = 0;
            while (k < before.length && before[k] === full[k]) k++;
            const stable = full.slice(0, k);
            // a trailing run of spaces may be held for up to 4 more tokens (Hugging Face's clean-up removes them)
            let lo = stable.length;
            while (lo > 0 && stable[lo - 1] === " ") lo--;
            const released = (x: string) => x.slice(0, x.length - oracleHeld(x, stops));
            const ok = [];
            for (let L = lo; L <= stable.length; L++) ok.push(released(stable.slice(0, L)));
            expect(ok).toContain(g.text);
          } else {
            expect(g.finishReason).toBe("length");
            expect(g.text).toBe(full);
          }
        }
      }),
      { seed: 31337, numRuns: 300 },
    );
  });
});

describe("generation errors", () => {
  it("rejects bad options with the argument named", async () => {
    const s = await createSampler({ vocabSize: 100 });
    const cases: [GenerationOptions, RegExp][] = [
      [{ stop: ["x"] }, /decode is required when stop has strings/],
      [{ stop: [""], decode: () => "" }, /stop\[0\] must be a non-empty string, got ""/],
      [{ stop: [[]] }, /stop\[0\] must be a non-empty array of token ids/],
      [{ stop: [[1, 500]] }, /stop\[0\]\[1\] must be a token id in \[0, 100\), got 500/],
      [{ stop: [5 as unknown as string] }, /stop\[0\] must be a string or an array of token ids, got 5/],
      [{ prompt: [1, 100] }, /prompt\[1\] must be a token id in \[0, 100\), got 100/],
      [{ eosTokenId: -1 }, /eosTokenId must be a token id in \[0, 100\), got -1/],
      [{ eosTokenId: [1, 2.5] }, /eosTokenId\[1\] must be a token id/],
      [{ maxNewTokens: 0 }, /maxNewTokens must be an integer >= 1, got 0/],
      [{ minNewTokens: 5, maxNewTokens: 3 }, /minNewTokens must be <= maxNewTokens \(3\), got 5/],
      [{ logprobs: -1 }, /logprobs must be an integer in \[0, 100\], got -1/],
      [{ decode: "x" as unknown as () => string }, /decode must be a function, got "x"/],
      [{ maxTokens: 3 } as GenerationOptions, /unknown generation option "maxTokens"/],
    ];
    for (const [o, msg] of cases) expect(() => s.generation(o)).toThrow(msg);
  });

  it("a failed step changes nothing; a step after done throws", async () => {
    const a = await createSampler({ vocabSize: 100, seed: 4, repetitionPenalty: 1.2 });
    const b = await createSampler({ vocabSize: 100, seed: 4, repetitionPenalty: 1.2 });
    const ga = a.generation({ prompt: [1, 2], maxNewTokens: 5 });
    const gb = b.generation({ prompt: [1, 2], maxNewTokens: 5 });
    const l = makeLogits(100, 9, "llm");
    const bad = l.slice();
    bad[3] = NaN;
    expect(ga.step(l).token).toBe(gb.step(l).token);
    expect(() => ga.step(bad)).toThrow(/logits\[3\] must be finite or -Infinity, got NaN/);
    expect(() => ga.step(new Float32Array(99))).toThrow(/logits\.length must be vocabSize \(100\), got 99/);
    expect(ga.tokens.length).toBe(1);
    while (!ga.done) expect(ga.step(l).token).toBe(gb.step(l).token);
    expect(ga.finishReason).toBe("length");
    expect(() => ga.step(l)).toThrow(/step\(\) after the generation is done \(finishReason "length"\)/);
  });
});
