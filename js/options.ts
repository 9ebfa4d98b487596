// Sampler options: validation (every bad value gets an error naming it) and the chain program.
import { resolveDry, type DryOptions, type DryResolved } from "./dry.js";
import { inRange, integer, number, plainObject, rangeError, show, tokenId, typeError } from "./errors.js";
import {
  OP_ALLOWED, OP_BAD_WORDS, OP_DRY, OP_EPSILON, OP_ETA, OP_MIROSTAT, OP_FREQUENCY, OP_LOGIT_BIAS, OP_MIN_P, OP_NGRAM_BANS,
  OP_PRESENCE, OP_REPETITION, OP_SUPPRESS, OP_TEMPERATURE, OP_TOP_K, OP_TOP_N_SIGMA, OP_TOP_P, OP_TYPICAL_P, OP_XTC,
} from "./layout.js";

/** The transforms, by the option that configures each; `order` lists these names. */
export type TransformName =
  | "repetitionPenalty" | "presencePenalty" | "frequencyPenalty" | "noRepeatNgramSize" | "badWordsIds"
  | "logitBias" | "allowedTokens" | "temperature" | "topNSigma" | "topK" | "topP" | "minP" | "typicalP"
  | "epsilonCutoff" | "etaCutoff" | "xtc" | "dry" | "mirostat";

export const OP_OF: Readonly<Record<TransformName, number>> = {
  repetitionPenalty: OP_REPETITION,
  presencePenalty: OP_PRESENCE,
  frequencyPenalty: OP_FREQUENCY,
  noRepeatNgramSize: OP_NGRAM_BANS,
  badWordsIds: OP_BAD_WORDS,
  logitBias: OP_LOGIT_BIAS,
  allowedTokens: OP_ALLOWED,
  temperature: OP_TEMPERATURE,
  topNSigma: OP_TOP_N_SIGMA,
  topK: OP_TOP_K,
  topP: OP_TOP_P,
  minP: OP_MIN_P,
  typicalP: OP_TYPICAL_P,
  epsilonCutoff: OP_EPSILON,
  etaCutoff: OP_ETA,
  xtc: OP_XTC,
  dry: OP_DRY,
  mirostat: OP_MIROSTAT,
};

/**
 * Hugging Face's processors, then its warpers in the order `generate` builds them. DRY and XTC, which
 * Hugging Face does not have, sit as in llama.cpp: DRY after the penalties, XTC after the truncations.
 */
export const HF_ORDER: readonly TransformName[] = [
  "repetitionPenalty", "presencePenalty", "frequencyPenalty", "dry", "noRepeatNgramSize", "badWordsIds", "logitBias",
  "allowedTokens", "temperature", "topNSigma", "topK", "topP", "minP", "typicalP", "epsilonCutoff", "etaCutoff", "xtc", "mirostat",
];

/**
 * llama.cpp's default chain (bias, penalties, then truncation, XTC, temperature last, dynamic or not);
 * masks sit with the bias.
 */
export const LLAMA_ORDER: readonly TransformName[] = [
  "logitBias", "allowedTokens", "badWordsIds", "noRepeatNgramSize", "repetitionPenalty", "frequencyPenalty",
  "presencePenalty", "dry", "topNSigma", "topK", "typicalP", "topP", "minP", "epsilonCutoff", "etaCutoff", "xtc", "temperature",
  "mirostat",
];

/** llama.cpp's XTC: with `probability`, remove every token with p >= `threshold` (default 0.1) but the least likely. */
export interface XtcOptions { probability: number; threshold?: number }
/** llama.cpp's mirostat (v1 with m = 100, or v2): target surprise tau, learning rate eta; mu starts at 2 * tau. */
export interface MirostatOptions { version: 1 | 2; tau: number; eta: number }
/** llama.cpp's dynamic temperature (temp_ext): temperature +- range, by normalised entropy ** exponent (default 1). */
export interface DynamicTemperatureOptions { range: number; exponent?: number }

export type { DryOptions };

export interface SamplerOptions {
  /** Number of tokens, 1 .. 2^20. */
  vocabSize: number;
  /** uint32; the same seed and inputs give the same tokens on every runtime. Default: random. */
  seed?: number;
  /** logits / T; 0 = greedy (argmax, lowest id wins ties). Default 1. */
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  typicalP?: number;
  epsilonCutoff?: number;
  etaCutoff?: number;
  topNSigma?: number;
  minTokensToKeep?: number;
  repetitionPenalty?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  penaltyLastN?: number;
  noRepeatNgramSize?: number;
  logitBias?: Record<number, number> | Map<number, number>;
  badWordsIds?: number[][];
  allowedTokens?: Uint32Array;
  order?: "hf" | "llama.cpp" | TransformName[];
  dry?: DryOptions;
  xtc?: XtcOptions;
  mirostat?: MirostatOptions;
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
  exactTopK: boolean;
  /** dynamicTemperature: range (0 = off) and exponent. */
  dynRange: number;
  dynExponent: number;
  /** xtc: probability (0 = off) and threshold. */
  xtcProbability: number;
  xtcThreshold: number;
  /** dry, resolved (breakers mapped); null = off. */
  dry: DryResolved | null;
  mirostat: MirostatOptions | null;
}

const KNOWN = new Set([
  "vocabSize", "seed", "temperature", "topK", "topP", "minP", "typicalP", "epsilonCutoff", "etaCutoff", "topNSigma",
  "minTokensToKeep", "repetitionPenalty", "presencePenalty", "frequencyPenalty", "penaltyLastN", "noRepeatNgramSize",
  "logitBias", "badWordsIds", "allowedTokens", "order", "dry", "xtc", "mirostat", "dynamicTemperature",
]);

const MAX_VOCAB = 1 << 20;

/** The transforms mirostat replaces. */
const TRUNCATIONS: TransformName[] = ["topNSigma", "topK", "topP", "minP", "typicalP", "epsilonCutoff", "etaCutoff", "xtc"];

/** Mirostat's update after a draw: mu -= eta * (surprise - tau), the surprise in bits (IEEE arithmetic only). */
export function nextMu(m: MirostatOptions, mu: number, logprob: number): number {
  return mu - m.eta * (-logprob / Math.LN2 - m.tau);
}

function randomSeed(): number {
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint32Array): Uint32Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0]!;
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}

function finite(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const x = number(name, v);
  if (!Number.isFinite(x)) throw rangeError(name, "a finite number", v);
  return x;
}

export function checkSeed(name: string, v: unknown): number {
  return integer(name, v, 0, 0xffffffff);
}

export function checkLogitBias(v: unknown, vocab: number, name = "logitBias"): Map<number, number> {
  const out = new Map<number, number>();
  if (v === undefined) return out;
  let entries: [unknown, unknown][];
  if (v instanceof Map) entries = [...v.entries()];
  else if (typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v)) entries = Object.entries(v);
  else throw typeError(name, "a Record<number, number> or a Map<number, number>", v);
  for (const [k, b] of entries) {
    const id = typeof k === "string" && /^\d+$/.test(k) ? Number(k) : k;
    tokenId(`${name} key`, id, vocab);
    const x = number(`${name}[${show(id)}]`, b);
    if (Number.isNaN(x) || x === Infinity) throw rangeError(`${name}[${show(id)}]`, "finite or -Infinity", b);
    out.set(id as number, x);
  }
  return out;
}

export function checkBadWords(v: unknown, vocab: number, name = "badWordsIds"): number[][] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw typeError(name, "an array of token-id arrays", v);
  return v.map((seq: unknown, i) => {
    if (!Array.isArray(seq) || seq.length === 0) throw typeError(`${name}[${i}]`, "a non-empty array of token ids", seq);
    return seq.map((t: unknown, j) => tokenId(`${name}[${i}][${j}]`, t, vocab));
  });
}

export function checkMask(v: unknown, vocab: number, name = "allowedTokens"): Uint32Array | null {
  if (v === undefined || v === null) return null;
  const words = Math.ceil(vocab / 32);
  if (!(v instanceof Uint32Array)) throw typeError(name, `a Uint32Array of ${words} words (one bit per token)`, v);
  if (v.length !== words) throw rangeError(`${name}.length`, `${words} (ceil(vocabSize / 32))`, v.length);
  return v;
}

function checkOrder(v: unknown): { order: readonly TransformName[]; exactTopK: boolean } {
  if (v === undefined || v === "hf") return { order: HF_ORDER, exactTopK: false };
  if (v === "llama.cpp") return { order: LLAMA_ORDER, exactTopK: true };
  if (!Array.isArray(v)) throw typeError("order", '"hf", "llama.cpp" or an array of transform names', v);
  const seen = new Set<string>();
  v.forEach((name: unknown, i) => {
    if (typeof name !== "string" || !(name in OP_OF)) {
      throw rangeError(`order[${i}]`, `one of ${Object.keys(OP_OF).join(", ")}`, name);
    }
    if (seen.has(name)) throw rangeError(`order[${i}]`, "listed once", name);
    seen.add(name);
  });
  return { order: v as TransformName[], exactTopK: false };
}

function checkMirostat(v: unknown): MirostatOptions | null {
  if (v === undefined) return null;
  const m = plainObject("mirostat", v, ["version", "tau", "eta"]);
  if (m.version !== 1 && m.version !== 2) throw rangeError("mirostat.version", "1 or 2", m.version);
  return {
    version: m.version,
    tau: inRange("mirostat.tau", m.tau ?? 5, 5, 0, Infinity, false, true),
    eta: inRange("mirostat.eta", m.eta ?? 0.1, 0.1, 0, Infinity, false, true),
  };
}

function checkDynamic(v: unknown): { dynRange: number; dynExponent: number } {
  if (v === undefined) return { dynRange: 0, dynExponent: 1 };
  const d = plainObject("dynamicTemperature", v, ["range", "exponent"]);
  return {
    dynRange: inRange("dynamicTemperature.range", d.range, 0, 0, Infinity, false, true),
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

export function resolveOptions(o: SamplerOptions): Resolved {
  if (typeof o !== "object" || o === null) throw typeError("options", "an object", o);
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new TypeError(`unknown option ${show(k)}`);
  if (o.vocabSize === undefined) throw new TypeError("vocabSize is required");
  const vocabSize = integer("vocabSize", o.vocabSize, 1, MAX_VOCAB);
  const r: Resolved = {
    vocabSize,
    seed: o.seed === undefined ? randomSeed() : checkSeed("seed", o.seed),
    temperature: inRange("temperature", o.temperature, 1, 0, Infinity, false, true),
    topK: o.topK === undefined ? 0 : integer("topK", o.topK, 0, Number.MAX_SAFE_INTEGER),
    topP: inRange("topP", o.topP, 1, 0, 1, true, false),
    minP: inRange("minP", o.minP, 0, 0, 1, false, false),
    typicalP: inRange("typicalP", o.typicalP, 1, 0, 1, true, false),
    epsilonCutoff: inRange("epsilonCutoff", o.epsilonCutoff, 0, 0, 1, false, true),
    etaCutoff: inRange("etaCutoff", o.etaCutoff, 0, 0, 1, false, true),
    topNSigma: finite("topNSigma", o.topNSigma, 0),
    minTokensToKeep: o.minTokensToKeep === undefined ? 1 : integer("minTokensToKeep", o.minTokensToKeep, 1, Number.MAX_SAFE_INTEGER),
    repetitionPenalty: inRange("repetitionPenalty", o.repetitionPenalty, 1, 0, Infinity, true, true),
    presencePenalty: finite("presencePenalty", o.presencePenalty, 0),
    frequencyPenalty: finite("frequencyPenalty", o.frequencyPenalty, 0),
    penaltyLastN: o.penaltyLastN === undefined ? -1 : integer("penaltyLastN", o.penaltyLastN, -1, Number.MAX_SAFE_INTEGER),
    noRepeatNgramSize: o.noRepeatNgramSize === undefined ? 0 : integer("noRepeatNgramSize", o.noRepeatNgramSize, 0, Number.MAX_SAFE_INTEGER),
    logitBias: checkLogitBias(o.logitBias, vocabSize),
    badWordsIds: checkBadWords(o.badWordsIds, vocabSize),
    allowedTokens: checkMask(o.allowedTokens, vocabSize),
    ...checkOrder(o.order),
    ...checkDynamic(o.dynamicTemperature),
    ...checkXtc(o.xtc),
    dry: resolveDry(o.dry, vocabSize),
    mirostat: checkMirostat(o.mirostat),
  };
  if (r.mirostat) {
    // llama.cpp: mirostat replaces the truncation samplers (and uses the plain temperature)
    const replaced = enabledTransforms(r).filter((t) => TRUNCATIONS.includes(t));
    if (r.dynRange > 0) replaced.push("dynamicTemperature" as TransformName);
    if (replaced.length > 0) throw new RangeError(`mirostat replaces the truncation samplers; leave ${replaced.join(", ")} at their neutral values`);
    if (Array.isArray(o.order) && o.order[o.order.length - 1] !== "mirostat") {
      throw rangeError("order", 'a list ending with "mirostat" when mirostat is on', o.order);
    }
  }
  const missing = enabledTransforms(r).filter((t) => !r.order.includes(t));
  if (missing.length > 0) throw new RangeError(`order must list every enabled transform; missing ${missing.join(", ")}`);
  return r;
}

/** The transforms that are not at their neutral value (temperature 0 is greedy, not a transform). */
export function enabledTransforms(r: Resolved): TransformName[] {
  const on: Record<TransformName, boolean> = {
    repetitionPenalty: r.repetitionPenalty !== 1,
    presencePenalty: r.presencePenalty !== 0,
    frequencyPenalty: r.frequencyPenalty !== 0,
    noRepeatNgramSize: r.noRepeatNgramSize > 0,
    badWordsIds: r.badWordsIds.length > 0,
    logitBias: r.logitBias.size > 0,
    allowedTokens: r.allowedTokens !== null,
    temperature: r.temperature !== 0 && (r.temperature !== 1 || r.dynRange > 0),
    topNSigma: r.topNSigma > 0,
    topK: r.topK > 0,
    topP: r.topP < 1,
    minP: r.minP > 0,
    typicalP: r.typicalP < 1,
    epsilonCutoff: r.epsilonCutoff > 0,
    etaCutoff: r.etaCutoff > 0,
    xtc: r.xtcProbability > 0,
    dry: r.dry !== null,
    mirostat: r.mirostat !== null,
  };
  return (Object.keys(on) as TransformName[]).filter((k) => on[k]);
}

/**
 * The op codes of the enabled transforms, in the configured order, after the suppression op (a
 * generation's EOS ban before minNewTokens: first, as Hugging Face places its min-length processors).
 */
export function program(r: Resolved): number[] {
  const on = new Set(enabledTransforms(r));
  return [OP_SUPPRESS, ...r.order.filter((t) => on.has(t)).map((t) => OP_OF[t])];
}
