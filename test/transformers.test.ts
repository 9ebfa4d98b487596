// llm-sampler/transformers against a real transformer: models/tiny-kjv (4 layers, 2,048-token BPE) run by
// transformers.js 4.3.2 on onnxruntime-node. Greedy equals transformers.js's own generate(); the KV-cache loop
// equals a loop that recomputes the whole sequence every step; beam search equals createBeamSearch fed with
// recomputed logits; stops, EOS and lengths end it as a Generation does; SamplerLogitsProcessor inside
// transformers.js's generate() gives generate()'s tokens. Node against Chromium: test/playground.test.ts.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { createBeamSearch, createSampler, type SamplerOptions, type StepResult } from "../js/index.js";
import { beamSearch, generate, SamplerLogitsProcessor, stream } from "../js/transformers.js";
import { loadTiny, recompute } from "./tiny-model.js";

let model: Awaited<ReturnType<typeof loadTiny>>["model"];
let tokenizer: Awaited<ReturnType<typeof loadTiny>>["tokenizer"];
const V = 2048;
const PROMPTS = ["And God said", "In the beginning", "The LORD is my shepherd"];

beforeAll(async () => {
  ({ model, tokenizer } = await loadTiny());
}, 60_000);

/** transformers.js's own generate(): the generated ids (the prompt cut off). */
async function theirs(prompt: string, config: Record<string, unknown>): Promise<number[]> {
  const inputs = tokenizer(prompt);
  const out = (await model.generate({ ...inputs, ...config })) as { tolist(): bigint[][] };
  return out.tolist()[0]!.slice(inputs.input_ids.dims[1]).map(Number);
}

/** A decode loop without a cache: every step's logits recomputed from the whole sequence. */
async function recomputeLoop(prompt: string, options: Omit<SamplerOptions, "vocabSize">, maxNewTokens: number) {
  const ids = tokenizer.encode(prompt);
  const s = await createSampler({ vocabSize: V, ...options });
  const g = s.generation({
    prompt: ids,
    maxNewTokens,
    eosTokenId: 0,
    decode: (t) => tokenizer.decode(t, { skip_special_tokens: true }),
  });
  while (!g.done) g.step((await recompute(model, [[...ids, ...g.tokens]]))[0]);
  return { tokens: g.tokens, text: g.text };
}

describe("generate() on the tiny transformer", () => {
  it("greedy equals transformers.js's greedy generate(), token for token", async () => {
    for (const p of PROMPTS) {
      const ours = await generate(model, tokenizer, p, { temperature: 0, maxNewTokens: 40 });
      expect(ours.tokens).toEqual(await theirs(p, { max_new_tokens: 40, do_sample: false }));
      expect(ours.tokens.length).toBe(40);
      // with the processors both libraries have: repetition penalty and n-gram bans
      const pen = await generate(model, tokenizer, p, {
        temperature: 0,
        maxNewTokens: 40,
        repetitionPenalty: 1.3,
        noRepeatNgramSize: 3,
      });
      expect(pen.tokens).toEqual(
        await theirs(p, { max_new_tokens: 40, do_sample: false, repetition_penalty: 1.3, no_repeat_ngram_size: 3 }),
      );
      expect(pen.tokens).not.toEqual(ours.tokens);
    }
  }, 60_000);

  it("with the KV cache equals recomputing the whole sequence every step (same seed, same tokens)", async () => {
    for (const seed of [1, 2, 3]) {
      const options = { temperature: 0.9, topP: 0.95, minP: 0.02, repetitionPenalty: 1.1, seed };
      const cached = await generate(model, tokenizer, PROMPTS[seed - 1]!, { ...options, maxNewTokens: 32 });
      const ref = await recomputeLoop(PROMPTS[seed - 1]!, options, 32);
      expect(cached.tokens).toEqual(ref.tokens);
      expect(cached.text).toBe(ref.text);
      const uncached = await generate(model, tokenizer, PROMPTS[seed - 1]!, {
        ...options,
        maxNewTokens: 32,
        useCache: false,
      });
      expect(uncached.tokens).toEqual(cached.tokens);
      expect(cached.timing.forwardPasses).toBe(32);
    }
  }, 120_000);

  it("the cached logits are the recomputed ones within 1e-4", async () => {
    const ids = tokenizer.encode("And the LORD spake unto Moses");
    const steps: Float32Array[] = [];
    // the adapter's loop, observed through a model wrapper that records each row it returns
    const spy = {
      config: model.config,
      generation_config: model.generation_config,
      forward: async (inputs: Record<string, unknown>) => {
        const out = await model.forward(inputs);
        const l = out.logits as { dims: number[]; data: Float32Array };
        steps.push(l.data.slice((l.dims[1]! - 1) * V, l.dims[1]! * V));
        return out;
      },
    };
    const r = await generate(spy, tokenizer, ids, { temperature: 0, maxNewTokens: 12 });
    for (let i = 0; i < steps.length; i++) {
      const ref = (await recompute(model, [[...ids, ...r.tokens.slice(0, i)]]))[0]!;
      let worst = 0;
      for (let t = 0; t < V; t++) worst = Math.max(worst, Math.abs(ref[t]! - steps[i]![t]!));
      expect(worst).toBeLessThan(1e-4);
    }
  }, 60_000);

  it("stop strings, EOS, minNewTokens and maxNewTokens end it as a Generation does", async () => {
    const options = { temperature: 0.8, topP: 0.95, seed: 5, maxNewTokens: 60 };
    const full = await generate(model, tokenizer, "And it came to pass", options);
    expect(full.finishReason).toBe("length");
    expect(full.tokens.length).toBe(60);
    // a stop string across a token boundary, taken from the unstopped text: the same seed stops there
    const stop = full.text.slice(20, 27);
    const at = full.text.indexOf(stop);
    const stopped = await generate(model, tokenizer, "And it came to pass", { ...options, stop: [stop] });
    expect(stopped.finishReason).toBe("stop");
    expect(stopped.text).toBe(full.text.slice(0, at));
    expect(full.tokens.slice(0, stopped.tokens.length)).toEqual(stopped.tokens);
    const kept = await generate(model, tokenizer, "And it came to pass", {
      ...options,
      stop: [stop],
      includeStopInOutput: true,
    });
    expect(kept.text).toBe(full.text.slice(0, at + stop.length));
    // an EOS id: the tenth generated token of the unstopped run ends the sequence at its first occurrence
    const eos = full.tokens[9]!;
    const first = full.tokens.indexOf(eos);
    const ended = await generate(model, tokenizer, "And it came to pass", { ...options, eosTokenId: eos });
    expect(ended.finishReason).toBe("eos");
    expect(ended.tokens).toEqual(full.tokens.slice(0, first + 1));
    expect(ended.text).toBe(tokenizer.decode(full.tokens.slice(0, first)));
    // minNewTokens bans it before then
    const longer = await generate(model, tokenizer, "And it came to pass", {
      ...options,
      eosTokenId: eos,
      minNewTokens: 12,
    });
    expect(longer.tokens.slice(0, 11)).not.toContain(eos);
    expect(longer.tokens.length).toBeGreaterThanOrEqual(12);
    const short = await generate(model, tokenizer, "And it came to pass", { ...options, maxNewTokens: 7 });
    expect(short.finishReason).toBe("length");
    expect(short.tokens).toEqual(full.tokens.slice(0, 7));
  }, 120_000);

  it("streams: onStep and stream() give every step, whose texts add up to the text; logprobs are reported", async () => {
    const options = { temperature: 1, topK: 40, seed: 9, maxNewTokens: 24, logprobs: 3, stop: [" the LORD"] };
    const seen: StepResult[] = [];
    const r = await generate(model, tokenizer, "Thus saith", { ...options, onStep: (s) => void seen.push(s) });
    expect(seen).toEqual(r.steps);
    expect(seen.map((s) => s.text).join("")).toBe(r.text);
    expect(r.text).not.toContain(" the LORD");
    for (const s of seen) {
      expect(s.topLogprobs).toHaveLength(3);
      expect(s.logprob).toBeLessThanOrEqual(0);
      expect(s.logprob).toBeGreaterThanOrEqual(s.topLogprobs![2]!.logprob - 1e-9 || -Infinity);
    }
    const it2 = stream(model, tokenizer, "Thus saith", options);
    const steps: StepResult[] = [];
    let last = await it2.next();
    while (!last.done) {
      steps.push(last.value);
      last = await it2.next();
    }
    expect(steps).toEqual(r.steps);
    expect(last.value.text).toBe(r.text);
  }, 60_000);

  it("takes text, token ids or the tokenizer's output alike", async () => {
    const options = { seed: 4, topK: 20, maxNewTokens: 12 };
    const a = await generate(model, tokenizer, "And God said", options);
    expect((await generate(model, tokenizer, tokenizer.encode("And God said"), options)).tokens).toEqual(a.tokens);
    expect((await generate(model, tokenizer, tokenizer("And God said"), options)).tokens).toEqual(a.tokens);
    expect((await generate(model, tokenizer, tokenizer("And God said").input_ids, options)).tokens).toEqual(a.tokens);
    const beams = await beamSearch(model, tokenizer, tokenizer("And God said"), { numBeams: 2, maxNewTokens: 4 });
    expect(beams[0]!.tokens).toEqual(
      (await beamSearch(model, tokenizer, "And God said", { numBeams: 2, maxNewTokens: 4 }))[0]!.tokens,
    );
    await expect(generate(model, tokenizer, tokenizer(["a", "b"], { padding: true }))).rejects.toThrow(
      /input.input_ids must be one sequence \(dims \[1, length\]\), got "dims \[2,/,
    );
  }, 60_000);

  it("allowedTokensFn masks every step, as a grammar engine would", async () => {
    const even = new Uint32Array(V / 32).fill(0x55555555); // bit i set for even i
    const seen: number[][] = [];
    const masked = await generate(model, tokenizer, "And God said", {
      seed: 6,
      maxNewTokens: 16,
      allowedTokensFn: (ids) => {
        seen.push(ids.slice());
        return even;
      },
    });
    expect(masked.tokens.every((t) => t % 2 === 0)).toBe(true);
    // the same as a static mask, and it saw the ids so far before every step
    const fixed = await generate(model, tokenizer, "And God said", { seed: 6, maxNewTokens: 16, allowedTokens: even });
    expect(masked.tokens).toEqual(fixed.tokens);
    expect(seen.map((ids) => ids.length)).toEqual(masked.tokens.map((_, i) => 3 + i));
    expect(seen.at(-1)).toEqual([...tokenizer.encode("And God said"), ...masked.tokens.slice(0, -1)]);
    // a mask per step: a forced continuation
    const target = tokenizer.encode(" unto Moses, Go down");
    const forced = await generate(model, tokenizer, "And God said", {
      maxNewTokens: target.length,
      allowedTokensFn: (ids) => {
        const m = new Uint32Array(V / 32);
        const t = target[ids.length - 3]!;
        m[t >> 5] = 1 << (t & 31);
        return m;
      },
    });
    expect(forced.tokens).toEqual(target);
    expect(forced.text).toBe(" unto Moses, Go down");
    await expect(generate(model, tokenizer, "x", { allowedTokensFn: 1 } as never)).rejects.toThrow(
      /allowedTokensFn must be a function, got 1/,
    );
    await expect(generate(model, tokenizer, "x", { allowedTokensFn: () => new Uint32Array(3) })).rejects.toThrow(
      /mask/,
    );
  }, 60_000);

  it("the same seed gives the same text; another seed another", async () => {
    const a = await generate(model, tokenizer, "And God said", { seed: 42, maxNewTokens: 30 });
    const b = await generate(model, tokenizer, "And God said", { seed: 42, maxNewTokens: 30 });
    const c = await generate(model, tokenizer, "And God said", { seed: 43, maxNewTokens: 30 });
    expect(b.text).toBe(a.text);
    expect(c.text).not.toBe(a.text);
    expect(a.text.length).toBeGreaterThan(20);
  }, 60_000);
});

describe("beamSearch() on the tiny transformer", () => {
  async function reference(prompt: string, options: Record<string, unknown>) {
    const bs = await createBeamSearch({
      vocabSize: V,
      prompt: tokenizer.encode(prompt),
      ...(options as { numBeams: number; maxNewTokens: number }),
    });
    while (!bs.done) {
      const rows = await recompute(model, bs.sequences);
      rows.forEach((row, r) => bs.rowView(r).set(row));
      bs.step();
    }
    return bs.results;
  }

  it("equals createBeamSearch fed with recomputed logits (the cache reordered by the beams' parents)", async () => {
    const nl = tokenizer.encode("\n", { add_special_tokens: false })[0]!;
    for (const options of [
      { numBeams: 4, maxNewTokens: 10, numReturnSequences: 3, eosTokenId: nl },
      {
        numBeams: 3,
        maxNewTokens: 8,
        repetitionPenalty: 1.2,
        noRepeatNgramSize: 2,
        earlyStopping: true,
        eosTokenId: nl,
      },
      { numBeams: 5, maxNewTokens: 12, lengthPenalty: 0.5, numReturnSequences: 5 },
    ]) {
      const ours = await beamSearch(model, tokenizer, "And the LORD", options);
      const ref = await reference("And the LORD", options);
      expect(ours.map((r) => r.tokens)).toEqual(ref.map((r) => r.tokens));
      ours.forEach((r, i) => {
        expect(Math.abs(r.score - ref[i]!.score)).toBeLessThan(1e-4);
        expect(r.text).toBe(tokenizer.decode(r.tokens, { skip_special_tokens: true }));
      });
      expect(ours.length).toBe(options.numReturnSequences ?? 1);
    }
  }, 120_000);
});

describe("SamplerLogitsProcessor inside transformers.js's generate()", () => {
  it("draws generate()'s tokens for the same options and seed", async () => {
    const options = { temperature: 0.8, topK: 40, topP: 0.9, repetitionPenalty: 1.1, seed: 11 };
    for (const p of PROMPTS) {
      const processor = await SamplerLogitsProcessor.create({ vocabSize: V, ...options });
      const got = await theirs(p, { max_new_tokens: 30, do_sample: false, logits_processor: [processor] });
      const want = await generate(model, tokenizer, p, { ...options, maxNewTokens: 30 });
      expect(got).toEqual(want.tokens);
    }
  }, 60_000);

  it("starts a new sequence when the ids do not continue the last call's", async () => {
    const processor = await SamplerLogitsProcessor.create({ vocabSize: V, temperature: 0.7, seed: 3 });
    const a = await theirs("And God said", { max_new_tokens: 12, do_sample: false, logits_processor: [processor] });
    const b = await theirs("In the beginning", { max_new_tokens: 12, do_sample: false, logits_processor: [processor] });
    const s = await createSampler({ vocabSize: V, temperature: 0.7, seed: 3 });
    // one random stream, two sequences: the second continues the stream where the first left it
    const ga = s.generation({ prompt: tokenizer.encode("And God said") });
    for (let i = 0; i < 12; i++)
      ga.step((await recompute(model, [[...tokenizer.encode("And God said"), ...ga.tokens]]))[0]);
    const gb = s.generation({ prompt: tokenizer.encode("In the beginning") });
    for (let i = 0; i < 12; i++)
      gb.step((await recompute(model, [[...tokenizer.encode("In the beginning"), ...gb.tokens]]))[0]);
    expect(a).toEqual(ga.tokens);
    expect(b).toEqual(gb.tokens);
  }, 60_000);
});

describe("bad input", () => {
  it("names the argument and its value, and everything works afterwards", async () => {
    const ok = (await generate(model, tokenizer, "And God said", { temperature: 0, maxNewTokens: 5 })).tokens;
    await expect(generate(null as never, tokenizer, "x")).rejects.toThrow(/model must be/);
    await expect(generate({ config: {} } as never, tokenizer, "x")).rejects.toThrow(/model must be .*forward/);
    await expect(generate(model, {} as never, "x")).rejects.toThrow(/tokenizer must be/);
    await expect(generate(model, tokenizer, "")).rejects.toThrow(RangeError);
    await expect(generate(model, tokenizer, "")).rejects.toThrow(/input must give at least one token/);
    await expect(generate(model, tokenizer, 5 as never)).rejects.toThrow(
      /input must be a string, an array of token ids or the tokenizer's output for one text, got 5/,
    );
    await expect(generate(model, tokenizer, "x", { temperature: -1 })).rejects.toThrow(/temperature must be .* got -1/);
    await expect(generate(model, tokenizer, "x", { bogus: 1 } as never)).rejects.toThrow(/unknown option "bogus"/);
    await expect(generate(model, tokenizer, "x", { vocabSize: 1000 })).rejects.toThrow(
      /vocabSize must be the model's logits per row \(2048\), got 1000/,
    );
    await expect(generate(model, tokenizer, "x", { useCache: "yes" } as never)).rejects.toThrow(
      /useCache must be a boolean, got "yes"/,
    );
    await expect(generate(model, tokenizer, "x", { onStep: 3 } as never)).rejects.toThrow(
      /onStep must be a function, got 3/,
    );
    await expect(generate(model, tokenizer, "x", { maxNewTokens: -2 })).rejects.toThrow(
      /maxNewTokens must be .* got -2/,
    );
    await expect(generate(model, tokenizer, [5000])).rejects.toThrow(/5000/);
    await expect(beamSearch(model, tokenizer, "x", { numBeams: 0 })).rejects.toThrow(/numBeams must be .* got 0/);
    await expect(beamSearch(model, tokenizer, "x", { numBeams: 2, temperature: 1 } as never)).rejects.toThrow(
      /unknown option "temperature"/,
    );
    await expect(beamSearch(model, tokenizer, "x", null as never)).rejects.toThrow(
      /options must be an object, got null/,
    );
    expect(() => new SamplerLogitsProcessor({} as never)).toThrow(/sampler must be an llm-sampler Sampler/);
    const processor = await SamplerLogitsProcessor.create({ vocabSize: 100 });
    await expect(theirs("x", { max_new_tokens: 2, logits_processor: [processor] })).rejects.toThrow(
      /logits must be 1 float32 rows of vocabSize 100/,
    );
    // an onStep that throws ends the loop with its error; the next call is unaffected
    await expect(
      generate(model, tokenizer, "x", {
        onStep: () => {
          throw new Error("consumer failed");
        },
      }),
    ).rejects.toThrow("consumer failed");
    expect((await generate(model, tokenizer, "And God said", { temperature: 0, maxNewTokens: 5 })).tokens).toEqual(ok);
  }, 60_000);
});

describe("the README's transformers.js and onnxruntime snippets", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const readme = readFileSync(`${root}README.md`, "utf8");
  /** Runs the first js block after `heading` as a module from the repository's root (dist/ as llm-sampler). */
  function run(heading: string): string {
    const at = readme.indexOf(heading);
    const code = /```js\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
    const dir = `${root}test-output/readme-run/`;
    mkdirSync(dir, { recursive: true });
    const file = `${dir}${heading.replace(/\W+/g, "-")}.mjs`;
    writeFileSync(file, code);
    return execFileSync(process.execPath, [file], { cwd: root, encoding: "utf8", timeout: 120_000 });
  }

  it("Use with transformers.js: prints what generate(), stream(), beamSearch() and the processor give here", async () => {
    const out = run("## Use with transformers.js");
    const r = await generate(model, tokenizer, "And God said", {
      temperature: 0.8,
      topP: 0.95,
      repetitionPenalty: 1.1,
      seed: 42,
      maxNewTokens: 48,
      stop: ["\n"],
      logprobs: 2,
    });
    const streamed = await generate(model, tokenizer, "In the beginning", { minP: 0.1, seed: 1, maxNewTokens: 16 });
    const beams = await beamSearch(model, tokenizer, "And the LORD", {
      numBeams: 4,
      maxNewTokens: 12,
      numReturnSequences: 2,
    });
    const processor = await SamplerLogitsProcessor.create({ vocabSize: 2048, topP: 0.9, minP: 0.05, seed: 7 });
    const processed = await theirs("And God said", {
      max_new_tokens: 16,
      do_sample: false,
      logits_processor: [processor],
    });
    const want =
      `${r.text}\n[${r.finishReason}] ${r.tokens.length} tokens\n` +
      streamed.text +
      `\n${beams.map((b) => `${b.score.toFixed(3)} ${JSON.stringify(b.text)}`).join("\n")}\n` +
      `${tokenizer.decode([...tokenizer.encode("And God said"), ...processed])}\n`;
    expect(out).toBe(want);
    expect(r.text.length).toBeGreaterThan(10);
  }, 120_000);

  it("Use with onnxruntime directly: the hand-fed cache gives generate()'s text", async () => {
    const out = run("## Use with onnxruntime directly");
    const r = await generate(model, tokenizer, "And God said", {
      temperature: 0.8,
      topP: 0.95,
      seed: 42,
      maxNewTokens: 48,
      stop: ["\n"],
    });
    expect(out).toBe(`${r.text}\n[${r.finishReason}] ${r.tokens.length} tokens\n`);
  }, 120_000);
});
