// The transform table: one entry per transform, from which the option names, op codes, known keys, the
// "hf" and "llama.cpp" orders, validation and the engine's parameter slots are all derived. A new
// transform is one entry here and its function in assembly/transforms.ts.
import { resolveDry, type DryOptions, type DryResolved } from "./dry.js";
import {
  FLOAT_LIMIT,
  FLOAT_TINY,
  inRange,
  integer,
  MAX_INT,
  number,
  plainObject,
  rangeError,
  show,
  tokenId,
  tokenIds,
  typeError,
} from "./errors.js";
import {
  OP_ALLOWED,
  OP_BAD_WORDS,
  OP_DRY,
  OP_EPSILON,
  OP_ETA,
  OP_FREQUENCY,
  OP_LOGIT_BIAS,
  OP_MIN_P,
  OP_MIROSTAT,
  OP_NGRAM_BANS,
  OP_PRESENCE,
  OP_REPETITION,
  OP_TEMPERATURE,
  OP_TOP_A,
  OP_TOP_K,
  OP_TOP_N_SIGMA,
  OP_TOP_P,
  OP_TYPICAL_P,
  OP_XTC,
  P_DRY_BASE,
  P_DRY_MULTIPLIER,
  P_DYN_EXPONENT,
  P_DYN_RANGE,
  P_EPSILON,
  P_ETA,
  P_FREQUENCY,
  P_MIN_P,
  P_MIROSTAT,
  P_N_BIAS,
  P_PRESENCE,
  P_REPETITION,
  P_TEMPERATURE,
  P_TOP_A,
  P_TOP_K,
  P_TOP_N_SIGMA,
  P_TOP_P,
  P_TYPICAL_P,
  P_XTC_PROBABILITY,
  P_XTC_THRESHOLD,
  type Views,
} from "./layout.js";

/** The transforms, by the option that configures each; `order` lists these names. */
export type TransformName =
  | "repetitionPenalty"
  | "presencePenalty"
  | "frequencyPenalty"
  | "noRepeatNgramSize"
  | "badWordsIds"
  | "logitBias"
  | "allowedTokens"
  | "temperature"
  | "topNSigma"
  | "topK"
  | "topP"
  | "minP"
  | "typicalP"
  | "epsilonCutoff"
  | "etaCutoff"
  | "topA"
  | "xtc"
  | "dry"
  | "mirostat";

/** llama.cpp's XTC: with `probability`, remove every token with p >= `threshold` (default 0.1) but the least likely. */
export interface XtcOptions {
  /** How often the cut applies, in [0, 1] (XTC's own seeded draw). */
  probability: number;
  /** Tokens with p >= threshold are removed but the least likely of them. Default 0.1. */
  threshold?: number;
}
/** llama.cpp's mirostat (v1 with m = 100, or v2): target surprise tau, learning rate eta; mu starts at 2 * tau. */
export interface MirostatOptions {
  /** 1 (Zipf estimate over the top 100, as llama.cpp's v1) or 2. */
  version: 1 | 2;
  /** The target surprise in bits. Default 5. */
  tau?: number;
  /** The learning rate of mu. Default 0.1. */
  eta?: number;
}
/** llama.cpp's dynamic temperature (temp_ext): temperature +- range, by normalised entropy ** exponent (default 1). */
export interface DynamicTemperatureOptions {
  /** The temperature moves within temperature +- range. */
  range: number;
  /** Normalised entropy ** exponent sets where. Default 1. */
  exponent?: number;
}

export type { DryOptions };

/**
 * The options of createSampler. Every transform is off at its neutral value (the default); the README's
 * Options section gives each one's exact semantics under Hugging Face's rules and llama.cpp's.
 */
export interface SamplerOptions {
  /** Number of tokens, 1 .. 2^20. */
  vocabSize: number;
  /** uint32; the same seed and inputs give the same tokens on every runtime. Default: random. */
  seed?: number;
  /** logits / T; 0 = greedy (argmax, lowest id wins ties). Default 1. */
  temperature?: number;
  /** Keep the k most likely tokens (ties at the k-th kept under Hugging Face's rules). 0 = off. */
  topK?: number;
  /** Keep the most likely tokens whose cumulative probability reaches p, in (0, 1]. 1 = off. */
  topP?: number;
  /** Keep tokens with p >= minP * p_max, in [0, 1] (above 1 under llama.cpp's rules). 0 = off. */
  minP?: number;
  /** Locally typical sampling: keep the tokens closest to the entropy, up to mass typicalP, in (0, 1]. 1 = off. */
  typicalP?: number;
  /** Keep tokens with p >= epsilonCutoff, in [0, 1). 0 = off. */
  epsilonCutoff?: number;
  /** Keep tokens with p >= min(eta, sqrt(eta) * exp(-entropy)), in [0, 1). 0 = off. */
  etaCutoff?: number;
  /** Keep p >= topA * p_max^2 (KoboldCpp, text-generation-webui); in [0, 1], neutral 0. */
  topA?: number;
  /** Keep logits within topNSigma standard deviations of the max (logit space). 0 = off. */
  topNSigma?: number;
  /** The truncations keep at least this many tokens. Default 1. */
  minTokensToKeep?: number;
  /** Hugging Face's / CTRL's: positive logits of tokens in the context divided by it, negative multiplied. 1 = off. */
  repetitionPenalty?: number;
  /** Subtracted once from the logit of every token in the penalty window. 0 = off. */
  presencePenalty?: number;
  /** Subtracted from a token's logit once per occurrence in the penalty window. 0 = off. */
  frequencyPenalty?: number;
  /** The penalty window: the last n context tokens; -1 = the whole context (default), 0 = none. */
  penaltyLastN?: number;
  /** Ban any token that would repeat an n-gram of the context (Hugging Face's no_repeat_ngram_size). 0 = off. */
  noRepeatNgramSize?: number;
  /** Added to the given tokens' logits (-Infinity bans); keys are token ids. */
  logitBias?: Record<number, number> | Map<number, number>;
  /** Token sequences that must not be completed: the last token of each is banned where the rest matches. */
  badWordsIds?: number[][];
  /** One bit per token (bit i = token i allowed), e.g. from a grammar; see setAllowedTokens for per-step masks. */
  allowedTokens?: Uint32Array;
  /** The order of the transforms: Hugging Face's ("hf", default), llama.cpp's (with its rules), or a list. */
  order?: "hf" | "llama.cpp" | TransformName[];
  /** DRY (llama.cpp): penalises tokens that would extend a repeated sequence. */
  dry?: DryOptions;
  /** XTC (llama.cpp): with some probability, removes the top choices above a threshold but the least likely. */
  xtc?: XtcOptions;
  /** Mirostat v1 / v2 (llama.cpp): truncation that steers the surprise towards tau. */
  mirostat?: MirostatOptions;
  /** Dynamic temperature (llama.cpp's temp_ext): the temperature moves with the distribution's entropy. */
  dynamicTemperature?: DynamicTemperatureOptions;
}

/** Options after validation, with neutral values filled in. */
export interface Resolved {
  vocabSize: number;
  seed: number;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  typicalP: number;
  epsilonCutoff: number;
  etaCutoff: number;
  topA: number;
  topNSigma: number;
  minTokensToKeep: number;
  repetitionPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
  penaltyLastN: number;
  noRepeatNgramSize: number;
  logitBias: Map<number, number>;
  badWordsIds: number[][];
  allowedTokens: Uint32Array | null;
  order: readonly TransformName[];
  /** llama.cpp's rules (order "llama.cpp"): top-k exactly k, zero temperature in place, -inf tokens counted. */
  llama: boolean;
  /** dynamicTemperature: range (0 = off) and exponent. */
  dynRange: number;
  dynExponent: number;
  /** xtc: probability (0 = off) and threshold. */
  xtcProbability: number;
  xtcThreshold: number;
  /** dry, resolved (breakers mapped); null = off. */
  dry: DryResolved | null;
  mirostat: Required<MirostatOptions> | null;
}

/** What validation needs besides the option values. */
export interface ResolveContext {
  readonly vocabSize: number;
  /** The order is "llama.cpp": llama.cpp's rules and ranges. */
  readonly llama: boolean;
}

export interface Transform {
  readonly name: TransformName;
  readonly op: number;
  /** The SamplerOptions keys this transform reads, when more than its name. */
  readonly options?: readonly string[];
  /** Validates those options; the result joins the resolved options. */
  readonly readOptions: (o: Readonly<Record<string, unknown>>, c: ResolveContext) => Partial<Resolved>;
  /** False at the neutral value: the transform stays out of the program. */
  readonly enabled: (r: Resolved) => boolean;
  /** The parameter slot its value goes to, or a writer for anything more. */
  readonly slot?: number;
  readonly write?: (v: Views, r: Resolved) => void;
  /** Mirostat replaces it (llama.cpp). */
  readonly truncation?: boolean;
  /** Position in llama.cpp's default chain (LLAMA_ORDER); the table itself is in Hugging Face's order. */
  readonly llamaRank: number;
}

/** A number option in a range, neutral when absent. */
function ranged(name: string, dflt: number, lo: number, hi: number, loOpen: boolean, hiOpen: boolean) {
  return (o: Readonly<Record<string, unknown>>) => ({ [name]: inRange(name, o[name], dflt, lo, hi, loOpen, hiOpen) });
}

/** A number of magnitude at most FLOAT_LIMIT (it shifts logits). */
function bounded(name: string, v: unknown, dflt: number): number {
  return inRange(name, v, dflt, -FLOAT_LIMIT, FLOAT_LIMIT, false, false);
}

export function checkLogitBias(v: unknown, vocab: number, name = "logitBias"): Map<number, number> {
  const out = new Map<number, number>();
  if (v === undefined) return out;
  let entries: [unknown, unknown][];
  if (v instanceof Map) entries = [...v.entries()];
  else if (typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v))
    entries = Object.entries(v);
  else throw typeError(name, "a Record<number, number> or a Map<number, number>", v);
  const keys = new Map<number, unknown>();
  for (const [k, b] of entries) {
    const id = tokenId(`${name} key`, typeof k === "string" && /^\d+$/.test(k) ? Number(k) : k, vocab);
    if (keys.has(id)) throw new RangeError(`${name} has token ${id} twice (keys ${show(keys.get(id))} and ${show(k)})`);
    keys.set(id, k);
    const x = number(`${name}[${id}]`, b);
    if (!(x === -Infinity || Math.abs(x) <= FLOAT_LIMIT)) {
      throw rangeError(`${name}[${id}]`, `-Infinity or in [-${FLOAT_LIMIT}, ${FLOAT_LIMIT}]`, b);
    }
    out.set(id, x);
  }
  return out;
}

export function checkBadWords(v: unknown, vocab: number, name = "badWordsIds"): number[][] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw typeError(name, "an array of token-id arrays", v);
  const n = v.length;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const seq = v[i] as unknown;
    if (!Array.isArray(seq) || seq.length === 0)
      throw typeError(`${name}[${i}]`, "a non-empty array of token ids", seq);
    out.push(tokenIds(`${name}[${i}]`, seq, vocab));
  }
  return out;
}

export function checkMask(v: unknown, vocab: number, name = "allowedTokens"): Uint32Array | null {
  if (v === undefined || v === null) return null;
  const words = Math.ceil(vocab / 32);
  if (!(v instanceof Uint32Array)) throw typeError(name, `a Uint32Array of ${words} words (one bit per token)`, v);
  if (v.length !== words) throw rangeError(`${name}.length`, `${words} (ceil(vocabSize / 32))`, v.length);
  return v;
}

function checkMirostat(v: unknown): Required<MirostatOptions> | null {
  if (v === undefined) return null;
  const m = plainObject("mirostat", v, ["version", "tau", "eta"]);
  if (m.version !== 1 && m.version !== 2) throw rangeError("mirostat.version", "1 or 2", m.version);
  return {
    version: m.version,
    tau: inRange("mirostat.tau", m.tau, 5, 0, Infinity, false, true),
    eta: inRange("mirostat.eta", m.eta, 0.1, 0, Infinity, false, true),
  };
}

/** 0 (greedy), or a temperature whose inverse scales logits within float32. */
function checkTemperature(v: unknown): number {
  const t = inRange("temperature", v, 1, 0, FLOAT_LIMIT, false, false);
  if (t !== 0 && t < FLOAT_TINY) throw rangeError("temperature", `0 or in [${FLOAT_TINY}, ${FLOAT_LIMIT}]`, v);
  return t;
}

function checkDynamic(v: unknown): { dynRange: number; dynExponent: number } {
  if (v === undefined) return { dynRange: 0, dynExponent: 1 };
  const d = plainObject("dynamicTemperature", v, ["range", "exponent"]);
  return {
    dynRange: inRange("dynamicTemperature.range", d.range, 0, 0, FLOAT_LIMIT, false, false),
    dynExponent: inRange("dynamicTemperature.exponent", d.exponent, 1, 0, Infinity, false, true),
  };
}

function checkXtc(v: unknown): { xtcProbability: number; xtcThreshold: number } {
  if (v === undefined) return { xtcProbability: 0, xtcThreshold: 0.1 };
  const x = plainObject("xtc", v, ["probability", "threshold"]);
  if (x.probability === undefined) throw new TypeError("xtc.probability is required");
  return {
    xtcProbability: inRange("xtc.probability", x.probability, 0, 0, 1, false, false),
    xtcThreshold: inRange("xtc.threshold", x.threshold, 0.1, 0, 1, false, false),
  };
}

/** Every transform, in Hugging Face's order (processors, then warpers as `generate` builds them). */
export const TRANSFORMS: readonly Transform[] = [
  {
    name: "repetitionPenalty",
    op: OP_REPETITION,
    llamaRank: 4,
    readOptions: ranged("repetitionPenalty", 1, FLOAT_TINY, FLOAT_LIMIT, false, false),
    enabled: (r) => r.repetitionPenalty !== 1,
    slot: P_REPETITION,
  },
  {
    name: "presencePenalty",
    op: OP_PRESENCE,
    llamaRank: 6,
    readOptions: (o) => ({ presencePenalty: bounded("presencePenalty", o.presencePenalty, 0) }),
    enabled: (r) => r.presencePenalty !== 0,
    slot: P_PRESENCE,
  },
  {
    name: "frequencyPenalty",
    op: OP_FREQUENCY,
    llamaRank: 5,
    readOptions: (o) => ({ frequencyPenalty: bounded("frequencyPenalty", o.frequencyPenalty, 0) }),
    enabled: (r) => r.frequencyPenalty !== 0,
    slot: P_FREQUENCY,
  },
  {
    // Hugging Face has no DRY: it sits as in llama.cpp, after the penalties.
    name: "dry",
    op: OP_DRY,
    llamaRank: 7,
    readOptions: (o, c) => ({ dry: resolveDry(o.dry, c.vocabSize) }),
    enabled: (r) => r.dry !== null,
    write: (v, r) => {
      v.params[P_DRY_MULTIPLIER] = r.dry?.multiplier ?? 0;
      v.params[P_DRY_BASE] = r.dry?.base ?? 1;
    },
  },
  {
    name: "noRepeatNgramSize",
    op: OP_NGRAM_BANS,
    llamaRank: 3,
    readOptions: (o) => ({
      noRepeatNgramSize:
        o.noRepeatNgramSize === undefined ? 0 : integer("noRepeatNgramSize", o.noRepeatNgramSize, 0, MAX_INT),
    }),
    enabled: (r) => r.noRepeatNgramSize > 0,
  },
  {
    name: "badWordsIds",
    op: OP_BAD_WORDS,
    llamaRank: 2,
    readOptions: (o, c) => ({ badWordsIds: checkBadWords(o.badWordsIds, c.vocabSize) }),
    enabled: (r) => r.badWordsIds.length > 0,
  },
  {
    name: "logitBias",
    op: OP_LOGIT_BIAS,
    llamaRank: 0,
    readOptions: (o, c) => ({ logitBias: checkLogitBias(o.logitBias, c.vocabSize) }),
    enabled: (r) => r.logitBias.size > 0,
    write: (v, r) => {
      let k = 0;
      v.bias.fill(0);
      for (const [t, b] of r.logitBias) {
        v.biasListIds[2 * k] = t;
        v.biasListValues[2 * k + 1] = b;
        v.bias[t] = b;
        k++;
      }
      v.params[P_N_BIAS] = k;
    },
  },
  {
    // Masks sit with the bias in llama.cpp's chain (a grammar sampler runs first there).
    name: "allowedTokens",
    op: OP_ALLOWED,
    llamaRank: 1,
    readOptions: (o, c) => ({ allowedTokens: checkMask(o.allowedTokens, c.vocabSize) }),
    enabled: (r) => r.allowedTokens !== null,
    write: (v, r) => {
      if (r.allowedTokens) v.mask.set(r.allowedTokens);
    },
  },
  {
    // Hugging Face: 0 is greedy, which skips the warpers. llama.cpp: 0 keeps the best token where the
    // temperature stands in the chain (dynamic within [0, range] when dynamicTemperature is on).
    name: "temperature",
    op: OP_TEMPERATURE,
    options: ["temperature", "dynamicTemperature"],
    llamaRank: 17,
    readOptions: (o) => ({ temperature: checkTemperature(o.temperature), ...checkDynamic(o.dynamicTemperature) }),
    enabled: (r) => (r.temperature !== 0 || r.llama) && (r.temperature !== 1 || r.dynRange > 0),
    write: (v, r) => {
      v.params[P_TEMPERATURE] = r.temperature;
      v.params[P_DYN_RANGE] = r.dynRange;
      v.params[P_DYN_EXPONENT] = r.dynExponent;
    },
  },
  {
    name: "topNSigma",
    op: OP_TOP_N_SIGMA,
    llamaRank: 8,
    truncation: true,
    readOptions: (o) => ({ topNSigma: bounded("topNSigma", o.topNSigma, 0) }),
    enabled: (r) => r.topNSigma > 0,
    slot: P_TOP_N_SIGMA,
  },
  {
    // llama.cpp's top-k takes no minTokensToKeep and keeps exactly k.
    name: "topK",
    op: OP_TOP_K,
    llamaRank: 9,
    truncation: true,
    readOptions: (o) => ({ topK: o.topK === undefined ? 0 : integer("topK", o.topK, 0, MAX_INT) }),
    enabled: (r) => r.topK > 0,
    write: (v, r) => {
      v.params[P_TOP_K] = Math.min(r.llama ? r.topK : Math.max(r.topK, r.minTokensToKeep), 0x7fffffff);
    },
  },
  {
    name: "topP",
    op: OP_TOP_P,
    llamaRank: 11,
    truncation: true,
    readOptions: ranged("topP", 1, 0, 1, true, false),
    enabled: (r) => r.topP < 1,
    slot: P_TOP_P,
  },
  {
    // Above 1 only with llama.cpp's rules (its tests use 1.05: the best minTokensToKeep stay).
    name: "minP",
    op: OP_MIN_P,
    llamaRank: 12,
    truncation: true,
    readOptions: (o, c) => ({ minP: inRange("minP", o.minP, 0, 0, c.llama ? Infinity : 1, false, c.llama) }),
    enabled: (r) => r.minP > 0,
    slot: P_MIN_P,
  },
  {
    name: "typicalP",
    op: OP_TYPICAL_P,
    llamaRank: 10,
    truncation: true,
    readOptions: ranged("typicalP", 1, 0, 1, true, false),
    enabled: (r) => r.typicalP < 1,
    slot: P_TYPICAL_P,
  },
  {
    name: "epsilonCutoff",
    op: OP_EPSILON,
    llamaRank: 13,
    truncation: true,
    readOptions: ranged("epsilonCutoff", 0, 0, 1, false, true),
    enabled: (r) => r.epsilonCutoff > 0,
    slot: P_EPSILON,
  },
  {
    name: "etaCutoff",
    op: OP_ETA,
    llamaRank: 14,
    truncation: true,
    readOptions: ranged("etaCutoff", 0, 0, 1, false, true),
    enabled: (r) => r.etaCutoff > 0,
    slot: P_ETA,
  },
  {
    // KoboldCpp / text-generation-webui: keep p >= topA * p_max^2. Neither library has it: with the cutoffs.
    name: "topA",
    op: OP_TOP_A,
    llamaRank: 15,
    truncation: true,
    readOptions: ranged("topA", 0, 0, 1, false, false),
    enabled: (r) => r.topA > 0,
    slot: P_TOP_A,
  },
  {
    // Hugging Face has no XTC: it sits as in llama.cpp, after the truncations.
    name: "xtc",
    op: OP_XTC,
    llamaRank: 16,
    truncation: true,
    readOptions: (o) => checkXtc(o.xtc),
    enabled: (r) => r.xtcProbability > 0,
    write: (v, r) => {
      v.params[P_XTC_PROBABILITY] = r.xtcProbability;
      v.params[P_XTC_THRESHOLD] = r.xtcThreshold;
    },
  },
  {
    name: "mirostat",
    op: OP_MIROSTAT,
    llamaRank: 18,
    readOptions: (o) => ({ mirostat: checkMirostat(o.mirostat) }),
    enabled: (r) => r.mirostat !== null,
    write: (v, r) => {
      v.params[P_MIROSTAT] = r.mirostat?.version ?? 0;
    },
  },
];

export const TRANSFORM_OF: ReadonlyMap<string, Transform> = new Map(TRANSFORMS.map((t) => [t.name, t]));
