// The two parameter dialects people already write: OpenAI's chat/completions request parameters and a
// Hugging Face `generation_config.json` object, turned into this library's options. What a dialect
// rejects is rejected here too, with an error that names the parameter (in that dialect's spelling).
import type { BeamSearchOptions } from "./beam.js";
import { FLOAT_LIMIT, FLOAT_TINY, inRange, integer, MAX_INT, number, rangeError, show, typeError } from "./errors.js";
import type { GenerationOptions } from "./generation.js";
import type { SamplerOptions } from "./options.js";

/** The sampling-related parameters of OpenAI's chat completions / completions APIs. */
export interface OpenAIParams {
  /** 0 .. 2; 0 = greedy. Default 1. */
  temperature?: number | null;
  /** 0 .. 1 (0 = the single most likely token). Default 1. */
  top_p?: number | null;
  /** -2 .. 2. Default 0. */
  presence_penalty?: number | null;
  /** -2 .. 2. Default 0. */
  frequency_penalty?: number | null;
  /** Token id (as a string key) -> bias in -100 .. 100. */
  logit_bias?: Record<string, number> | null;
  /** uint32 here (OpenAI takes any integer). */
  seed?: number | null;
  /** Up to 4 stop strings. */
  stop?: string | string[] | null;
  /** The generation's maxNewTokens (legacy name). */
  max_tokens?: number | null;
  /** The generation's maxNewTokens. */
  max_completion_tokens?: number | null;
  /** How many completions: run that many generations (1 .. 128). */
  n?: number | null;
  /** Report the chosen token's log-probability (always reported here). */
  logprobs?: boolean | null;
  /** Top log-probabilities per step, 0 .. 20 (needs logprobs). */
  top_logprobs?: number | null;
  [other: string]: unknown;
}

export interface FromOpenAIResult {
  /** Spread into createSampler({ vocabSize, ...sampler }). */
  sampler: Omit<SamplerOptions, "vocabSize">;
  /** Spread into sampler.generation({ ...generation, decode, eosTokenId }): stop strings need a decode. */
  generation: GenerationOptions;
  /** How many completions the request asks for: run that many generations. */
  n: number;
}

// Request fields that carry no sampling parameter: accepted and ignored.
const OPENAI_OTHER = new Set([
  "model",
  "messages",
  "prompt",
  "stream",
  "stream_options",
  "user",
  "store",
  "metadata",
  "tools",
  "tool_choice",
  "functions",
  "function_call",
  "response_format",
  "parallel_tool_calls",
  "service_tier",
  "modalities",
  "audio",
  "prediction",
  "reasoning_effort",
  "web_search_options",
  "safety_identifier",
  "prompt_cache_key",
  "verbosity",
  "suffix",
  "echo",
  "best_of",
]);
const OPENAI_SAMPLING = new Set([
  "temperature",
  "top_p",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "seed",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "n",
  "logprobs",
  "top_logprobs",
]);

/** In [lo, hi], both ends closed (callers pass only values that are present). */
function inClosed(name: string, v: unknown, lo: number, hi: number): number {
  return inRange(name, v, NaN, lo, hi, false, false);
}

/** OpenAI request parameters (null = the default) to sampler and generation options. */
export function fromOpenAI(params: OpenAIParams): FromOpenAIResult {
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw typeError("params", "an object", params);
  }
  for (const k of Object.keys(params)) {
    if (!OPENAI_SAMPLING.has(k) && !OPENAI_OTHER.has(k)) throw new TypeError(`unknown OpenAI parameter ${show(k)}`);
  }
  const p = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null && v !== undefined)) as OpenAIParams;
  const sampler: Omit<SamplerOptions, "vocabSize"> = {};
  const generation: GenerationOptions = {};
  if (p.temperature !== undefined) sampler.temperature = inClosed("temperature", p.temperature, 0, 2);
  if (p.top_p !== undefined) {
    const tp = inClosed("top_p", p.top_p, 0, 1);
    if (tp === 0)
      sampler.topK = 1; // the smallest set with mass >= 0: the most likely token
    else sampler.topP = tp;
  }
  if (p.presence_penalty !== undefined)
    sampler.presencePenalty = inClosed("presence_penalty", p.presence_penalty, -2, 2);
  if (p.frequency_penalty !== undefined)
    sampler.frequencyPenalty = inClosed("frequency_penalty", p.frequency_penalty, -2, 2);
  if (p.logit_bias !== undefined) {
    const lb = p.logit_bias;
    if (typeof lb !== "object" || lb === null || Array.isArray(lb))
      throw typeError("logit_bias", "a map of token id to bias", lb);
    const bias: Record<number, number> = {};
    for (const [k, b] of Object.entries(lb)) {
      if (!/^\d+$/.test(k)) throw rangeError("logit_bias key", "a token id", k);
      bias[Number(k)] = inClosed(`logit_bias[${k}]`, b, -100, 100);
    }
    sampler.logitBias = bias;
  }
  if (p.seed !== undefined) sampler.seed = integer("seed", p.seed, 0, 0xffffffff);
  if (p.stop !== undefined) {
    const stops = typeof p.stop === "string" ? [p.stop] : p.stop;
    if (!Array.isArray(stops) || stops.length > 4)
      throw typeError("stop", "a string or an array of at most 4 strings", p.stop);
    stops.forEach((s, i) => {
      if (typeof s !== "string" || s.length === 0) throw typeError(`stop[${i}]`, "a non-empty string", s);
    });
    generation.stop = stops;
  }
  if (p.max_tokens !== undefined && p.max_completion_tokens !== undefined) {
    throw new RangeError(
      `give max_tokens or max_completion_tokens, not both (got ${show(p.max_tokens)} and ${show(p.max_completion_tokens)})`,
    );
  }
  const max = p.max_completion_tokens ?? p.max_tokens;
  if (max !== undefined) {
    generation.maxNewTokens = integer(
      p.max_completion_tokens !== undefined ? "max_completion_tokens" : "max_tokens",
      max,
      1,
      MAX_INT,
    );
  }
  if (p.logprobs !== undefined && typeof p.logprobs !== "boolean") throw typeError("logprobs", "a boolean", p.logprobs);
  if (p.top_logprobs !== undefined) {
    const t = integer("top_logprobs", p.top_logprobs, 0, 20);
    if (p.logprobs !== true)
      throw new RangeError(`top_logprobs needs logprobs: true (got logprobs ${show(p.logprobs)})`);
    generation.logprobs = t;
  } else if (p.logprobs === true) {
    generation.logprobs = 0;
  }
  const n = p.n === undefined ? 1 : integer("n", p.n, 1, 128);
  return { sampler, generation, n };
}

/** The fields of a Hugging Face generation_config.json that this library maps; other keys are ignored, as there. */
export interface GenerationConfig {
  /** Sample (true) or decode greedily / by beam search (false, the default). */
  do_sample?: boolean;
  /** Sampling only. Default 1. */
  temperature?: number;
  /** Sampling only. Default 50 (Hugging Face's), 0 = off. */
  top_k?: number;
  /** Sampling only. Default 1. */
  top_p?: number;
  /** Sampling only. Default off. */
  min_p?: number | null;
  /** Sampling only. Default 1. */
  typical_p?: number;
  /** Sampling only. Default 0. */
  epsilon_cutoff?: number;
  /** Sampling only. Default 0. */
  eta_cutoff?: number;
  /** Default 1. */
  repetition_penalty?: number;
  /** Default 0. */
  no_repeat_ngram_size?: number;
  /** Token sequences never to complete (entries that are exactly one EOS id are dropped). */
  bad_words_ids?: number[][] | null;
  /** Beam search when above 1 (without do_sample). Default 1. */
  num_beams?: number;
  /** Beam search: finished scores / length ** length_penalty. Default 1. */
  length_penalty?: number;
  /** Beam search's stopping rule. Default false. */
  early_stopping?: boolean | "never";
  /** Beam search: how many results. Default 1. */
  num_return_sequences?: number;
  /** The generation's length limit. */
  max_new_tokens?: number | null;
  /** Prompt plus generation (needs promptLength), when max_new_tokens is not given. */
  max_length?: number;
  /** Prompt plus generation before EOS may end it (needs promptLength). */
  min_length?: number;
  /** New tokens before EOS may end it. */
  min_new_tokens?: number | null;
  /** One EOS id or several. */
  eos_token_id?: number | number[] | null;
  [other: string]: unknown;
}

/** "greedy" and "sample" use createSampler and a generation; "beam" uses createBeamSearch. */
export type FromGenerationConfigResult =
  | {
      mode: "greedy" | "sample";
      sampler: Omit<SamplerOptions, "vocabSize">;
      generation: GenerationOptions;
      numReturnSequences: number;
    }
  | { mode: "beam"; beamSearch: Omit<BeamSearchOptions, "vocabSize">; numReturnSequences: number };

/**
 * A Hugging Face generation_config.json object to this library's options, with Hugging Face's defaults
 * (do_sample false, top_k 50 when sampling, ...). `promptLength` turns a max_length (prompt included) into
 * maxNewTokens when max_new_tokens is absent.
 */
export function fromGenerationConfig(
  config: GenerationConfig,
  opts: { promptLength?: number } = {},
): FromGenerationConfigResult {
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw typeError("config", "an object", config);
  if (typeof opts !== "object" || opts === null) throw typeError("opts", "an object ({ promptLength })", opts);
  const c = Object.fromEntries(
    Object.entries(config).filter(([, v]) => v !== null && v !== undefined),
  ) as GenerationConfig;
  const bool = (name: string, v: unknown, d: boolean) => {
    if (v === undefined) return d;
    if (typeof v !== "boolean") throw typeError(name, "a boolean", v);
    return v;
  };
  const doSample = bool("do_sample", c.do_sample, false);
  const numBeams = c.num_beams === undefined ? 1 : integer("num_beams", c.num_beams, 1, 256);
  const numReturn =
    c.num_return_sequences === undefined ? 1 : integer("num_return_sequences", c.num_return_sequences, 1, MAX_INT);
  if (!doSample && numReturn > numBeams) {
    throw rangeError("num_return_sequences", `<= num_beams (${numBeams}) without sampling`, numReturn);
  }
  if (doSample && numBeams > 1) {
    throw new RangeError(`do_sample with num_beams ${numBeams} (beam sampling) is not supported by llm-sampler`);
  }
  const es = c.early_stopping ?? false;
  if (es !== true && es !== false && es !== "never")
    throw typeError("early_stopping", 'true, false or "never"', c.early_stopping);

  let maxNew: number | undefined;
  if (c.max_new_tokens !== undefined) maxNew = integer("max_new_tokens", c.max_new_tokens, 1, MAX_INT);
  else if (c.max_length !== undefined && opts.promptLength !== undefined) {
    const ml = integer("max_length", c.max_length, 1, MAX_INT);
    const pl = integer("promptLength", opts.promptLength, 0, MAX_INT);
    maxNew = Math.max(1, ml - pl);
  }
  // Python: min_new_tokens overrides min_length (which counts the prompt); EOS is blocked until then. Above
  // max_new_tokens it warns and generates max_new_tokens with EOS blocked: the same as clamping.
  let minNew: number | undefined;
  if (c.min_new_tokens !== undefined) minNew = integer("min_new_tokens", c.min_new_tokens, 0, MAX_INT);
  else if (c.min_length !== undefined && integer("min_length", c.min_length, 0, MAX_INT) > 0) {
    if (opts.promptLength === undefined) throw new TypeError("min_length counts the prompt: pass { promptLength }");
    minNew = Math.max(0, c.min_length - integer("promptLength", opts.promptLength, 0, MAX_INT));
  }
  if (minNew !== undefined && maxNew !== undefined && minNew > maxNew) minNew = maxNew;
  const eos =
    c.eos_token_id === undefined
      ? undefined
      : Array.isArray(c.eos_token_id)
        ? c.eos_token_id.map((t, i) => integer(`eos_token_id[${i}]`, t, 0, MAX_INT))
        : integer("eos_token_id", c.eos_token_id, 0, MAX_INT);

  // Logits processors: they apply in every mode.
  const processors: Pick<SamplerOptions, "repetitionPenalty" | "noRepeatNgramSize" | "badWordsIds"> = {};
  if (c.repetition_penalty !== undefined) {
    const r = number("repetition_penalty", c.repetition_penalty);
    if (!(r >= FLOAT_TINY && r <= FLOAT_LIMIT)) {
      throw rangeError("repetition_penalty", `a strictly positive float in [${FLOAT_TINY}, ${FLOAT_LIMIT}]`, r);
    }
    processors.repetitionPenalty = r;
  }
  if (c.no_repeat_ngram_size !== undefined)
    processors.noRepeatNgramSize = integer("no_repeat_ngram_size", c.no_repeat_ngram_size, 0, MAX_INT);
  if (c.bad_words_ids !== undefined) {
    if (!Array.isArray(c.bad_words_ids) || c.bad_words_ids.some((w) => !Array.isArray(w) || w.length === 0)) {
      throw typeError("bad_words_ids", "a list of non-empty lists of token ids", c.bad_words_ids);
    }
    const eosList = eos === undefined ? [] : Array.isArray(eos) ? eos : [eos];
    // Python drops the entries that are exactly one EOS id (NoBadWordsLogitsProcessor)
    processors.badWordsIds = c.bad_words_ids
      .map((w, i) => w.map((t, j) => integer(`bad_words_ids[${i}][${j}]`, t, 0, MAX_INT)))
      .filter((w) => !(w.length === 1 && eosList.includes(w[0]!)));
  }

  if (numBeams > 1) {
    const beamSearch: Omit<BeamSearchOptions, "vocabSize"> = {
      numBeams,
      maxNewTokens: maxNew ?? 20,
      earlyStopping: es,
      numReturnSequences: numReturn,
      ...processors,
    };
    if (c.length_penalty !== undefined) {
      const lp = number("length_penalty", c.length_penalty);
      if (!Number.isFinite(lp)) throw rangeError("length_penalty", "a finite float", lp);
      beamSearch.lengthPenalty = lp;
    }
    if (minNew !== undefined) beamSearch.minNewTokens = minNew;
    if (eos !== undefined) beamSearch.eosTokenId = eos;
    return { mode: "beam", beamSearch, numReturnSequences: numReturn };
  }

  const generation: GenerationOptions = {};
  if (maxNew !== undefined) generation.maxNewTokens = maxNew;
  if (minNew !== undefined) generation.minNewTokens = minNew;
  if (eos !== undefined) generation.eosTokenId = eos;
  if (!doSample) {
    // Hugging Face ignores the warpers (temperature, top_k, ...) without do_sample: greedy decoding.
    return { mode: "greedy", sampler: { temperature: 0, ...processors }, generation, numReturnSequences: numReturn };
  }
  const sampler: Omit<SamplerOptions, "vocabSize"> = { ...processors };
  const open01 = (name: string, v: unknown) => {
    const x = number(name, v);
    if (!(x > 0 && x < 1)) throw rangeError(name, "a float in (0, 1)", v);
    return x;
  };
  if (c.temperature !== undefined) {
    const t = number("temperature", c.temperature);
    if (!(t > 0)) throw rangeError("temperature", "a strictly positive float when do_sample is true", c.temperature);
    sampler.temperature = t;
  }
  const topK = c.top_k === undefined ? 50 : integer("top_k", c.top_k, 0, MAX_INT);
  if (topK > 0) sampler.topK = topK;
  if (c.top_p !== undefined) {
    const tp = inClosed("top_p", c.top_p, 0, 1);
    if (tp === 0)
      sampler.topK = 1; // Hugging Face keeps min_tokens_to_keep (1) token
    else if (tp < 1) sampler.topP = tp;
  }
  if (c.min_p !== undefined) sampler.minP = inClosed("min_p", c.min_p, 0, 1);
  if (c.typical_p !== undefined && c.typical_p !== 1) sampler.typicalP = open01("typical_p", c.typical_p);
  if (c.epsilon_cutoff !== undefined && c.epsilon_cutoff !== 0)
    sampler.epsilonCutoff = open01("epsilon_cutoff", c.epsilon_cutoff);
  if (c.eta_cutoff !== undefined && c.eta_cutoff !== 0) sampler.etaCutoff = open01("eta_cutoff", c.eta_cutoff);
  return { mode: "sample", sampler, generation, numReturnSequences: numReturn };
}
