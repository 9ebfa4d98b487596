// fromOpenAI and fromGenerationConfig: each field, the values those dialects reject, and real
// generation_config.json files.
import { describe, expect, it } from "vitest";
import { createBeamSearch, createSampler, fromGenerationConfig, fromOpenAI, type OpenAIParams } from "../js/index.js";

describe("fromOpenAI", () => {
  it("maps every sampling parameter", () => {
    const r = fromOpenAI({
      model: "gpt-x",
      messages: [],
      temperature: 0.7,
      top_p: 0.9,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      logit_bias: { "50256": -100, "13": 2.5 },
      seed: 42,
      stop: ["\n\n", "User:"],
      max_completion_tokens: 64,
      n: 3,
      logprobs: true,
      top_logprobs: 5,
    });
    expect(r).toEqual({
      sampler: {
        temperature: 0.7,
        topP: 0.9,
        presencePenalty: 0.5,
        frequencyPenalty: -0.5,
        logitBias: { 50256: -100, 13: 2.5 },
        seed: 42,
      },
      generation: { stop: ["\n\n", "User:"], maxNewTokens: 64, logprobs: 5 },
      n: 3,
    });
  });

  it("one field at a time, with OpenAI's defaults and nulls", () => {
    expect(fromOpenAI({})).toEqual({ sampler: {}, generation: {}, n: 1 });
    expect(fromOpenAI({ temperature: null, top_p: null, stop: null })).toEqual({ sampler: {}, generation: {}, n: 1 });
    expect(fromOpenAI({ temperature: 0 }).sampler).toEqual({ temperature: 0 });
    expect(fromOpenAI({ top_p: 0 }).sampler).toEqual({ topK: 1 });
    expect(fromOpenAI({ top_p: 1 }).sampler).toEqual({ topP: 1 });
    expect(fromOpenAI({ stop: "END" }).generation).toEqual({ stop: ["END"] });
    expect(fromOpenAI({ max_tokens: 16 }).generation).toEqual({ maxNewTokens: 16 });
    expect(fromOpenAI({ logprobs: true }).generation).toEqual({ logprobs: 0 });
    expect(fromOpenAI({ logprobs: false }).generation).toEqual({});
    expect(fromOpenAI({ seed: 0 }).sampler).toEqual({ seed: 0 });
  });

  it("rejects what OpenAI rejects, naming the parameter", () => {
    const bad: [OpenAIParams, RegExp][] = [
      [{ temperature: 2.5 }, /temperature must be in \[0, 2\], got 2\.5/],
      [{ top_p: -0.1 }, /top_p must be in \[0, 1\], got -0\.1/],
      [{ presence_penalty: 3 }, /presence_penalty must be in \[-2, 2\], got 3/],
      [{ frequency_penalty: -2.5 }, /frequency_penalty must be in \[-2, 2\], got -2\.5/],
      [{ logit_bias: { "5": 101 } }, /logit_bias\[5\] must be in \[-100, 100\], got 101/],
      [{ logit_bias: { x: 1 } }, /logit_bias key must be a token id, got "x"/],
      [{ stop: ["a", "b", "c", "d", "e"] }, /stop must be a string or an array of at most 4 strings/],
      [{ stop: [""] }, /stop\[0\] must be a non-empty string, got ""/],
      [{ max_tokens: 0 }, /max_tokens must be an integer >= 1, got 0/],
      [{ max_tokens: 5, max_completion_tokens: 6 }, /give max_tokens or max_completion_tokens, not both/],
      [{ n: 0 }, /n must be an integer in \[1, 128\], got 0/],
      [{ top_logprobs: 3 }, /top_logprobs needs logprobs: true/],
      [{ logprobs: true, top_logprobs: 21 }, /top_logprobs must be an integer in \[0, 20\], got 21/],
      [{ seed: -1 }, /seed must be an integer in \[0, 4294967295\], got -1/],
      [{ temperature: "1" as unknown as number }, /temperature must be a number, got "1"/],
      [{ top_k: 40 }, /unknown OpenAI parameter "top_k"/],
    ];
    for (const [p, msg] of bad) expect(() => fromOpenAI(p)).toThrow(msg);
  });

  it("the result drives a sampler and a generation", async () => {
    const r = fromOpenAI({ temperature: 0.5, top_p: 0.9, max_tokens: 3, seed: 7 });
    const s = await createSampler({ vocabSize: 10, ...r.sampler });
    const g = s.generation(r.generation);
    const l = Float32Array.from({ length: 10 }, (_, i) => i / 3);
    while (!g.done) g.step(l);
    expect(g.tokens.length).toBe(3);
    expect(g.finishReason).toBe("length");
  });
});

describe("fromGenerationConfig", () => {
  it("each field, in sampling mode (with Hugging Face's top_k default of 50)", () => {
    expect(fromGenerationConfig({ do_sample: true })).toEqual({
      mode: "sample",
      sampler: { topK: 50 },
      generation: {},
      numReturnSequences: 1,
    });
    const r = fromGenerationConfig({
      do_sample: true,
      temperature: 0.7,
      top_k: 20,
      top_p: 0.8,
      min_p: 0.05,
      typical_p: 0.9,
      epsilon_cutoff: 3e-4,
      eta_cutoff: 1e-3,
      repetition_penalty: 1.1,
      no_repeat_ngram_size: 3,
      bad_words_ids: [[5], [6, 7]],
      max_new_tokens: 100,
      min_new_tokens: 2,
      eos_token_id: [2, 3],
      num_return_sequences: 2,
    });
    expect(r).toEqual({
      mode: "sample",
      sampler: {
        temperature: 0.7,
        topK: 20,
        topP: 0.8,
        minP: 0.05,
        typicalP: 0.9,
        epsilonCutoff: 3e-4,
        etaCutoff: 1e-3,
        repetitionPenalty: 1.1,
        noRepeatNgramSize: 3,
        badWordsIds: [[5], [6, 7]],
      },
      generation: { maxNewTokens: 100, minNewTokens: 2, eosTokenId: [2, 3] },
      numReturnSequences: 2,
    });
    const neutral = fromGenerationConfig({ do_sample: true, top_k: 0, top_p: 1, typical_p: 1 });
    expect(neutral.mode === "sample" && neutral.sampler).toEqual({});
    const ml = fromGenerationConfig({ do_sample: true, max_length: 50 }, { promptLength: 12 });
    expect(ml.mode !== "beam" && ml.generation).toEqual({
      maxNewTokens: 38,
    });
  });

  it("greedy without do_sample: the warpers are ignored, the processors kept", () => {
    const r = fromGenerationConfig({ temperature: 0.9, top_p: 0.6, repetition_penalty: 1.2, eos_token_id: 2 });
    expect(r).toEqual({
      mode: "greedy",
      sampler: { temperature: 0, repetitionPenalty: 1.2 },
      generation: { eosTokenId: 2 },
      numReturnSequences: 1,
    });
  });

  it("beam search with num_beams > 1", () => {
    const r = fromGenerationConfig({
      num_beams: 4,
      length_penalty: 2,
      early_stopping: true,
      no_repeat_ngram_size: 3,
      max_new_tokens: 142,
      min_new_tokens: 56,
      eos_token_id: 2,
      num_return_sequences: 2,
    });
    expect(r).toEqual({
      mode: "beam",
      beamSearch: {
        numBeams: 4,
        maxNewTokens: 142,
        earlyStopping: true,
        numReturnSequences: 2,
        noRepeatNgramSize: 3,
        lengthPenalty: 2,
        minNewTokens: 56,
        eosTokenId: 2,
      },
      numReturnSequences: 2,
    });
    const never = fromGenerationConfig({ num_beams: 2, early_stopping: "never" });
    expect(never.mode === "beam" && never.beamSearch.earlyStopping).toBe("never");
  });

  it("rejects what Hugging Face rejects", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [
        { do_sample: true, temperature: 0 },
        /temperature must be a strictly positive float when do_sample is true, got 0/,
      ],
      [{ do_sample: true, top_k: -1 }, /top_k must be an integer >= 0, got -1/],
      [{ do_sample: true, top_p: 1.5 }, /top_p must be in \[0, 1\], got 1\.5/],
      [{ do_sample: true, min_p: 2 }, /min_p must be in \[0, 1\], got 2/],
      [{ do_sample: true, typical_p: 0 }, /typical_p must be a float in \(0, 1\), got 0/],
      [{ do_sample: true, epsilon_cutoff: 1 }, /epsilon_cutoff must be a float in \(0, 1\), got 1/],
      [{ repetition_penalty: 0 }, /repetition_penalty must be a strictly positive float in \[1e-30, 1e\+30\], got 0/],
      [{ no_repeat_ngram_size: -1 }, /no_repeat_ngram_size must be an integer >= 0, got -1/],
      [{ bad_words_ids: [[]] }, /bad_words_ids must be a list of non-empty lists of token ids/],
      [{ num_beams: 0 }, /num_beams must be an integer in \[1, 256\], got 0/],
      [{ num_return_sequences: 3 }, /num_return_sequences must be <= num_beams \(1\) without sampling, got 3/],
      [{ early_stopping: "sometimes" }, /early_stopping must be true, false or "never", got "sometimes"/],
      [{ max_new_tokens: 0 }, /max_new_tokens must be an integer >= 1, got 0/],
      [{ do_sample: "yes" }, /do_sample must be a boolean, got "yes"/],
      [{ do_sample: true, num_beams: 4 }, /do_sample with num_beams 4 \(beam sampling\) is not supported/],
    ];
    for (const [c, msg] of bad) expect(() => fromGenerationConfig(c)).toThrow(msg);
  });

  // Real generation_config.json files. Llama-2-7b-hf: as published (read from a mirror of the Hub repo).
  // Qwen1.5-MoE-A2.7B-Chat: the fields of the published file. t5-small fine-tune: as published in a public repo.
  const REAL: [string, Record<string, unknown>, object][] = [
    [
      "Llama-2-7b-hf (temperature and top_p without do_sample: greedy, as Hugging Face decodes it)",
      {
        bos_token_id: 1,
        eos_token_id: 2,
        pad_token_id: 0,
        temperature: 0.9,
        max_length: 4096,
        top_p: 0.6,
        transformers_version: "4.31.0.dev0",
      },
      {
        mode: "greedy",
        sampler: { temperature: 0 },
        generation: { eosTokenId: 2, maxNewTokens: 4096 - 10 },
        numReturnSequences: 1,
      },
    ],
    [
      "Qwen1.5 MoE chat",
      {
        bos_token_id: 151643,
        pad_token_id: 151643,
        do_sample: true,
        eos_token_id: [151645, 151643],
        repetition_penalty: 1.1,
        top_p: 0.8,
        transformers_version: "4.37.0",
        max_new_tokens: 1024,
      },
      {
        mode: "sample",
        sampler: { repetitionPenalty: 1.1, topK: 50, topP: 0.8 },
        generation: { maxNewTokens: 1024, eosTokenId: [151645, 151643] },
        numReturnSequences: 1,
      },
    ],
    [
      "a t5-small summarization fine-tune",
      {
        _from_model_config: true,
        decoder_start_token_id: 0,
        eos_token_id: 1,
        pad_token_id: 0,
        transformers_version: "4.51.0.dev0",
      },
      { mode: "greedy", sampler: { temperature: 0 }, generation: { eosTokenId: 1 }, numReturnSequences: 1 },
    ],
  ];
  for (const [name, config, want] of REAL) {
    it(name, () => expect(fromGenerationConfig(config, { promptLength: 10 })).toEqual(want));
  }

  it("the results drive a sampler and a beam search", async () => {
    const s = fromGenerationConfig(REAL[1]![1], {});
    if (s.mode === "beam") throw new Error("expected a sampler");
    const sampler = await createSampler({ vocabSize: 152000, ...s.sampler });
    expect(sampler.vocabSize).toBe(152000);
    const b = fromGenerationConfig({ num_beams: 3, max_new_tokens: 4, eos_token_id: 0 });
    if (b.mode !== "beam") throw new Error("expected a beam search");
    const bs = await createBeamSearch({ vocabSize: 8, ...b.beamSearch });
    while (!bs.done) bs.step(new Float32Array(bs.sequences.length * 8).map((_, i) => ((i * 37) % 11) / 4));
    expect(bs.results.length).toBeGreaterThan(0);
  });
});
