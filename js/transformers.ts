// llm-sampler/transformers: llm-sampler inside the decode loop of a transformers.js causal language model.
//
// generate() and stream() run the model with its key-value cache (past_key_values in, present out, as
// transformers.js's own generate() feeds them) and draw every token with llm-sampler's Generation: every
// sampler option, stop strings with the streaming holdback, EOS, min/max new tokens, logprobs, seeds.
// beamSearch() drives createBeamSearch and reorders the cache by the beams' parents. SamplerLogitsProcessor
// is for users who keep transformers.js's generate(): it applies our chain and forces the token we draw.
//
// The model and tokenizer are used through the few members named below (structural types), so any
// transformers.js 3.x / 4.x decoder-only model with a standard cache fits; the only value imported from
// transformers.js is its Tensor class (and LogitsProcessor, the processor's base class).
import { LogitsProcessor, Tensor } from "@huggingface/transformers";
import {
  createBeamSearch,
  createSampler,
  type BeamResult,
  type BeamSearchOptions,
  type FinishReason,
  type Generation,
  type GenerationOptions,
  type Sampler,
  type SamplerOptions,
  type StepResult,
} from "./index.js";
import { rangeError, show, typeError } from "./errors.js";
import { BEAM_OPTIONS, GENERATION_OPTIONS } from "./option-names.js";

/** What the adapter reads of a transformers.js tensor. */
interface TensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number | bigint>;
}

/** What the adapter uses of a transformers.js causal language model (`AutoModelForCausalLM.from_pretrained`). */
export interface CausalLM {
  /** The model's config.json: vocab_size and eos_token_id are read. */
  readonly config: { vocab_size?: number; eos_token_id?: number | number[] | null } & object;
  /** The model's generation_config.json: eos_token_id and max_new_tokens are read. */
  readonly generation_config?: { eos_token_id?: number | number[] | null; max_new_tokens?: number | null } | null;
  /** One forward pass: input_ids, attention_mask and past_key_values.* in; logits and present.* out. */
  forward(inputs: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** What the adapter uses of a transformers.js tokenizer (`AutoTokenizer.from_pretrained`). */
export interface TokenizerLike {
  /** Text to token ids. */
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  /** Token ids to text. */
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

/** Token ids as transformers.js holds them: a tensor of dims [1, length]. */
export interface IdsTensor {
  /** [1, length]. */
  readonly dims: readonly number[];
  /** The ids (int64: bigint). */
  readonly data: ArrayLike<number | bigint>;
}

/**
 * The prompt: text (tokenized with the tokenizer), token ids, what the tokenizer returns for one text
 * (`tokenizer(text)`: its input_ids are used), or an ids tensor (`apply_chat_template(messages)`'s).
 */
export type Input = string | ArrayLike<number> | { readonly input_ids: IdsTensor } | IdsTensor;

/** Options of the adapter itself (besides the sampler's and the generation's). */
export interface AdapterOptions {
  /** Tokens of the vocabulary. Default: the model's config.vocab_size. */
  vocabSize?: number;
  /** Tokenize a string input with the tokenizer's special tokens (BOS). Default true, as transformers.js. */
  addSpecialTokens?: boolean;
  /** Decode without special tokens. Default true. */
  skipSpecialTokens?: boolean;
  /**
   * Feed the key-value cache (default true). false recomputes the whole sequence at every step, as a check
   * of the cache or for models exported without one.
   */
  useCache?: boolean;
}

/**
 * generate()'s and stream()'s options: every SamplerOptions field (vocabSize comes from the model), every
 * GenerationOptions field but prompt and decode (the input and the tokenizer give them), and the adapter's.
 * maxNewTokens defaults to the model's generation_config.max_new_tokens, else 20; eosTokenId to the model's
 * generation_config, else its config.
 */
export interface GenerateOptions
  extends Omit<SamplerOptions, "vocabSize">,
    Omit<GenerationOptions, "prompt" | "decode">,
    AdapterOptions {
  /** Called with every step, in order; a promise it returns is awaited before the next forward pass. */
  onStep?: (step: StepResult) => unknown;
  /**
   * Before every step, with the ids so far (prompt + generated): the allowed-token bitmask for this step
   * (bit i of word i >> 5 set = token i allowed), or null for every token; a grammar engine's hook, as Hugging
   * Face's prefix_allowed_tokens_fn. Needs "allowedTokens" in the order (the default orders have it).
   */
  allowedTokensFn?: (ids: readonly number[]) => Uint32Array | null;
}

/** Where the time of a decode loop went, in milliseconds. */
export interface DecodeTiming {
  /** Model forward passes (the prompt's included), including building their input tensors. */
  forwardMs: number;
  /** llm-sampler: copying the logits row in, the chain, the draw, stops and text. */
  samplingMs: number;
  /** Forward passes made. */
  forwardPasses: number;
}

/** What generate() returns. */
export interface GenerateResult {
  /** The generated text (the prompt excluded; cut at a stop string). */
  text: string;
  /** The generated token ids (an EOS that ended it included). */
  tokens: number[];
  /** Why it ended: "eos", "stop" or "length". */
  finishReason: FinishReason;
  /** The prompt's token ids. */
  promptTokens: number[];
  /** Every step's result, in order (token, text, logprob, topLogprobs). */
  steps: StepResult[];
  /** Where the time went. */
  timing: DecodeTiming;
}

/** beamSearch()'s options: every BeamSearchOptions field but vocabSize and prompt, and the adapter's. */
export interface TransformersBeamOptions
  extends Omit<BeamSearchOptions, "vocabSize" | "prompt" | "maxNewTokens" | "eosTokenId">,
    AdapterOptions {
  /** Default: the model's generation_config.max_new_tokens, else 20. */
  maxNewTokens?: number;
  /** Default: the model's generation_config, else its config. */
  eosTokenId?: number | number[];
}

/** A finished beam, decoded. */
export interface TransformersBeamResult extends BeamResult {
  /** The generated tokens decoded (special tokens skipped unless skipSpecialTokens is false). */
  text: string;
}

const ADAPTER_KEYS = ["vocabSize", "addSpecialTokens", "skipSpecialTokens", "useCache", "onStep", "allowedTokensFn"];

function bool(name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw typeError(name, "a boolean", v);
  return v;
}

function checkModel(model: unknown): CausalLM {
  if (typeof model !== "function" && (typeof model !== "object" || model === null)) {
    throw new TypeError(`model must be a transformers.js causal language model, got ${show(model)}`);
  }
  const m = model as Partial<CausalLM>;
  if (typeof m.forward !== "function" || typeof m.config !== "object" || m.config === null) {
    throw new TypeError("model must be a transformers.js causal language model (with forward() and config)");
  }
  return m as CausalLM;
}

function checkTokenizer(tokenizer: unknown): TokenizerLike {
  const t = tokenizer as Partial<TokenizerLike> | null;
  if (
    (typeof t !== "object" && typeof t !== "function") ||
    t === null ||
    typeof t.encode !== "function" ||
    typeof t.decode !== "function"
  ) {
    throw new TypeError(
      `tokenizer must be a transformers.js tokenizer (with encode() and decode()), got ${show(tokenizer)}`,
    );
  }
  return t as TokenizerLike;
}

function vocabOf(model: CausalLM, given: unknown): number {
  const v = given ?? model.config.vocab_size;
  if (typeof v !== "number") throw new TypeError(`vocabSize must be given: the model's config has no vocab_size`);
  return v;
}

function promptOf(tokenizer: TokenizerLike, input: unknown, addSpecialTokens: boolean): number[] {
  let ids: number[];
  const maybe = input as { input_ids?: TensorLike; dims?: unknown } | null;
  const encoded = maybe?.input_ids ?? (maybe?.dims ? (input as TensorLike) : undefined);
  if (typeof input === "string") ids = Array.from(tokenizer.encode(input, { add_special_tokens: addSpecialTokens }));
  else if (input !== null && typeof input === "object" && typeof (input as ArrayLike<number>).length === "number")
    ids = Array.from(input as ArrayLike<number>, Number);
  else if (encoded?.dims && encoded.data) {
    // the tokenizer's { input_ids, attention_mask } for one text, or an ids tensor: dims [1, length]
    if (encoded.dims.length !== 2 || encoded.dims[0] !== 1) {
      throw rangeError("input.input_ids", "one sequence (dims [1, length])", `dims [${encoded.dims}]`);
    }
    ids = Array.from(encoded.data, Number);
  } else throw typeError("input", "a string, an array of token ids or the tokenizer's output for one text", input);
  if (ids.length === 0) throw new RangeError(`input must give at least one token, got ${show(input)} (no tokens)`);
  return ids;
}

function defaults(model: CausalLM): { maxNewTokens: number; eos: number | number[] | undefined } {
  const g = model.generation_config ?? {};
  return {
    maxNewTokens: g.max_new_tokens ?? 20,
    eos: g.eos_token_id ?? model.config.eos_token_id ?? undefined,
  };
}

/** The inputs of one forward pass over `rows` (token ids of equal length), feeding `fed` of their last tokens. */
function feeds(
  rows: readonly (readonly number[])[],
  fed: number,
  past: Record<string, Tensor> | null,
): Record<string, unknown> {
  const R = rows.length,
    L = rows[0]!.length;
  const ids = new BigInt64Array(R * fed);
  rows.forEach((row, r) => {
    for (let i = 0; i < fed; i++) ids[r * fed + i] = BigInt(row[L - fed + i]!);
  });
  return {
    input_ids: new Tensor("int64", ids, [R, fed]),
    attention_mask: new Tensor("int64", new BigInt64Array(R * L).fill(1n), [R, L]),
    // transformers.js's forward() unpacks past_key_values (a record of past_key_values.{i}.key / .value)
    ...(past && { past_key_values: past }),
  };
}

/** The model's present.* outputs as the next pass's past_key_values.* (transformers.js's naming). */
function cacheOf(outputs: Record<string, unknown>): Record<string, Tensor> {
  const past: Record<string, Tensor> = {};
  for (const name in outputs) {
    if (name.startsWith("present.")) past[`past_key_values.${name.slice(8)}`] = outputs[name] as Tensor;
  }
  if (Object.keys(past).length === 0) {
    throw new TypeError("the model returned no present.* outputs: it has no key-value cache (pass useCache: false)");
  }
  return past;
}

/** The last position's logits of each row of outputs.logits ([rows, positions, vocab]), as float32. */
function lastLogits(outputs: Record<string, unknown>, V: number): { data: Float32Array; offsets: number[] } {
  let logits = outputs.logits as TensorLike & { to?(type: string): TensorLike };
  if (!logits?.dims) throw new TypeError("the model returned no logits");
  if (logits.type !== "float32" && logits.to) logits = logits.to("float32");
  const [R, S, W] = logits.dims as [number, number, number];
  if (W !== V) throw rangeError("vocabSize", `the model's logits per row (${W})`, V);
  const data = logits.data as Float32Array;
  return { data, offsets: Array.from({ length: R }, (_, r) => (r * S + S - 1) * V) };
}

/**
 * Generates from a transformers.js causal language model with llm-sampler, step by step: an async iterator
 * of every step's result (its `text` is what may be shown now), returning the whole result at the end.
 */
export async function* stream(
  model: CausalLM,
  tokenizer: TokenizerLike,
  input: Input,
  options: GenerateOptions = {},
): AsyncGenerator<StepResult, GenerateResult, undefined> {
  const m = checkModel(model),
    tok = checkTokenizer(tokenizer);
  if (typeof options !== "object" || options === null) throw typeError("options", "an object", options);
  const samplerOptions: Record<string, unknown> = {},
    generationOptions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    // the generation's options but the two the adapter supplies from the input and the tokenizer
    if (GENERATION_OPTIONS.has(k) && k !== "prompt" && k !== "decode") generationOptions[k] = v;
    else if (!ADAPTER_KEYS.includes(k)) samplerOptions[k] = v;
  }
  const skip = bool("skipSpecialTokens", options.skipSpecialTokens, true);
  const useCache = bool("useCache", options.useCache, true);
  const onStep = options.onStep;
  if (onStep !== undefined && typeof onStep !== "function") throw typeError("onStep", "a function", onStep);
  const allowed = options.allowedTokensFn;
  if (allowed !== undefined && typeof allowed !== "function") {
    throw typeError("allowedTokensFn", "a function", allowed);
  }
  const prompt = promptOf(tok, input, bool("addSpecialTokens", options.addSpecialTokens, true));
  const V = vocabOf(m, options.vocabSize);
  const d = defaults(m);
  const sampler = await createSampler({ ...samplerOptions, vocabSize: V } as SamplerOptions);
  try {
    const gen = sampler.generation({
      maxNewTokens: d.maxNewTokens,
      eosTokenId: d.eos,
      ...(generationOptions as GenerationOptions),
      prompt,
      decode: (ids) => tok.decode(ids, { skip_special_tokens: skip }),
    });
    const timing: DecodeTiming = { forwardMs: 0, samplingMs: 0, forwardPasses: 0 };
    const steps: StepResult[] = [];
    const sequence = prompt.slice();
    let past: Record<string, Tensor> | null = null;
    while (!gen.done) {
      const t0 = performance.now();
      const fed = past === null ? sequence.length : 1;
      const outputs = await m.forward(feeds([sequence], fed, past));
      const t1 = performance.now();
      const { data, offsets } = lastLogits(outputs, V);
      if (allowed) sampler.setAllowedTokens(allowed(sequence));
      const step = gen.step(data.subarray(offsets[0], offsets[0]! + V));
      const t2 = performance.now();
      timing.forwardMs += t1 - t0;
      timing.samplingMs += t2 - t1;
      timing.forwardPasses++;
      steps.push(step);
      sequence.push(step.token);
      if (useCache && !step.done) past = cacheOf(outputs);
      if (onStep) await onStep(step);
      yield step;
    }
    return {
      text: gen.text,
      tokens: gen.tokens.slice(),
      finishReason: gen.finishReason,
      promptTokens: prompt,
      steps,
      timing,
    };
  } finally {
    sampler.dispose();
  }
}

/**
 * Generates from a transformers.js causal language model with llm-sampler: the model runs with its key-value
 * cache, every token is drawn by llm-sampler's chain, and the generation ends at EOS, a stop string or
 * maxNewTokens. `onStep` streams; `stream()` is the same as an async iterator.
 */
export async function generate(
  model: CausalLM,
  tokenizer: TokenizerLike,
  input: Input,
  options: GenerateOptions = {},
): Promise<GenerateResult> {
  const it = stream(model, tokenizer, input, options);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
  }
}

/** The rows of each past tensor ([rows, heads, positions, headDim]) in the order of `parents`. */
function reorder(past: Record<string, Tensor>, parents: readonly number[]): Record<string, Tensor> {
  const next: Record<string, Tensor> = {};
  for (const name in past) {
    const t = past[name]!;
    const data = t.data as Float32Array;
    const per = data.length / t.dims[0]!;
    const out = new (data.constructor as Float32ArrayConstructor)(parents.length * per);
    parents.forEach((p, r) => out.set(data.subarray(p * per, (p + 1) * per), r * per));
    next[name] = new Tensor(t.type as "float32", out, [parents.length, ...t.dims.slice(1)]);
  }
  return next;
}

/**
 * Beam search (Hugging Face's semantics, as createBeamSearch) over a transformers.js causal language model:
 * one forward pass per step over every live beam, the key-value cache reordered by the beams' parents.
 * Returns the best numReturnSequences finished hypotheses, best first, decoded.
 */
export async function beamSearch(
  model: CausalLM,
  tokenizer: TokenizerLike,
  input: Input,
  options: TransformersBeamOptions,
): Promise<TransformersBeamResult[]> {
  const m = checkModel(model),
    tok = checkTokenizer(tokenizer);
  if (typeof options !== "object" || options === null) throw typeError("options", "an object", options);
  const beamOptions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    // the beam search's options but the two the adapter supplies (vocabSize is the adapter's own option)
    if (BEAM_OPTIONS.has(k) && k !== "vocabSize" && k !== "prompt") beamOptions[k] = v;
    else if (!ADAPTER_KEYS.includes(k) || k === "onStep" || k === "allowedTokensFn") {
      throw new TypeError(`unknown option ${show(k)}`);
    }
  }
  const skip = bool("skipSpecialTokens", options.skipSpecialTokens, true);
  const useCache = bool("useCache", options.useCache, true);
  const prompt = promptOf(tok, input, bool("addSpecialTokens", options.addSpecialTokens, true));
  const V = vocabOf(m, options.vocabSize);
  const d = defaults(m);
  const bs = await createBeamSearch({
    maxNewTokens: d.maxNewTokens,
    eosTokenId: d.eos,
    ...(beamOptions as { numBeams: number }),
    vocabSize: V,
    prompt,
  });
  try {
    let past: Record<string, Tensor> | null = null;
    while (!bs.done) {
      const rows = bs.sequences;
      const outputs = await m.forward(feeds(rows, past === null ? rows[0]!.length : 1, past));
      const { data, offsets } = lastLogits(outputs, V);
      offsets.forEach((o, r) => bs.rowView(r).set(data.subarray(o, o + V)));
      bs.step();
      if (useCache && !bs.done) past = reorder(cacheOf(outputs), bs.parents);
    }
    return bs.results.map((r) => ({ ...r, text: tok.decode(r.tokens, { skip_special_tokens: skip }) }));
  } finally {
    bs.dispose();
  }
}

/**
 * A transformers.js LogitsProcessor for its own `model.generate({ logits_processor: [processor] })`: each row's
 * logits go through llm-sampler's chain (the row's ids are the context), the token is drawn with the
 * sampler's seeded stream, and every other token is set to -Infinity, so that transformers.js's greedy or
 * multinomial step picks exactly that token. Each row is followed by a Generation (as in generate(), so the
 * same options and seed give the same tokens; mirostat's mu is per row); a row that does not continue the
 * previous call's starts a new one. Leave transformers.js's own sampling options unset: its temperature
 * warper and repetition penalty would run before this processor.
 */
export class SamplerLogitsProcessor extends LogitsProcessor {
  /** The sampler whose chain and random stream draw the tokens. */
  readonly sampler: Sampler;
  #rows: { generation: Generation; ids: number[] }[] = [];

  constructor(sampler: Sampler) {
    super();
    if (typeof sampler !== "object" || sampler === null || typeof (sampler as Sampler).generation !== "function") {
      throw typeError("sampler", "an llm-sampler Sampler", sampler);
    }
    this.sampler = sampler;
  }

  /** A processor with a new sampler of these options. */
  static async create(options: SamplerOptions): Promise<SamplerLogitsProcessor> {
    return new SamplerLogitsProcessor(await createSampler(options));
  }

  override _call(input_ids: bigint[][], logits: Tensor): Tensor {
    const V = this.sampler.vocabSize;
    const data = logits.data;
    if (!(data instanceof Float32Array) || data.length !== input_ids.length * V) {
      throw rangeError(
        "logits",
        `${input_ids.length} float32 rows of vocabSize ${V}`,
        `dims [${logits.dims}] of ${logits.type}`,
      );
    }
    const rows = input_ids.map((ids) => ids.map(Number));
    const follows = (r: number) => {
      const row = this.#rows[r],
        ids = rows[r]!;
      return row !== undefined && row.ids.length === ids.length && row.ids.every((t, i) => t === ids[i]);
    };
    if (this.#rows.length !== rows.length || !rows.every((_, r) => follows(r))) {
      this.#rows = rows.map((ids) => ({ generation: this.sampler.generation({ prompt: ids }), ids }));
    }
    this.#rows.forEach((row, b) => {
      const x = data.subarray(b * V, (b + 1) * V);
      const { token } = row.generation.step(x);
      x.fill(-Infinity);
      x[token] = 0;
      row.ids.push(token);
    });
    return logits;
  }
}
