// Sampler options: the general ones (vocabulary, seed, order, minTokensToKeep, penalty window) and the
// resolution of every transform's options through the table in transforms.ts, then the chain program.
import { integer, MAX_INT, ownOptions, rangeError, typeError } from "./errors.js";
import { OP_SUPPRESS } from "./layout.js";
import {
  TRANSFORMS,
  TRANSFORM_OF,
  type MirostatOptions,
  type Resolved,
  type SamplerOptions,
  type TransformName,
} from "./transforms.js";

export type {
  DryOptions,
  DynamicTemperatureOptions,
  MirostatOptions,
  Resolved,
  SamplerOptions,
  TransformName,
  XtcOptions,
} from "./transforms.js";
export { checkBadWords, checkLogitBias, checkMask } from "./transforms.js";

/** The transforms in Hugging Face's order (processors, then warpers as its `generate` builds them). */
export const HF_ORDER: readonly TransformName[] = Object.freeze(TRANSFORMS.map((t) => t.name));

/** llama.cpp's default chain: bias and masks, penalties, DRY, truncations, XTC, temperature last, mirostat. */
export const LLAMA_ORDER: readonly TransformName[] = Object.freeze(
  [...TRANSFORMS].sort((a, b) => a.llamaRank - b.llamaRank).map((t) => t.name),
);

/** Options that configure no single transform. */
const GENERAL = ["vocabSize", "seed", "order", "minTokensToKeep", "penaltyLastN"];
const KNOWN = new Set([...GENERAL, ...TRANSFORMS.flatMap((t) => t.options ?? [t.name])]);

const MAX_VOCAB = 1 << 20;

/** Mirostat's update after a draw: mu -= eta * (surprise - tau), the surprise in bits (IEEE arithmetic only). */
export function nextMu(m: Required<MirostatOptions>, mu: number, logprob: number): number {
  return mu - m.eta * (-logprob / Math.LN2 - m.tau);
}

function randomSeed(): number {
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint32Array): Uint32Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0]!;
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}

export function checkSeed(name: string, v: unknown): number {
  return integer(name, v, 0, 0xffffffff);
}

function checkOrder(v: unknown): { order: readonly TransformName[]; llama: boolean } {
  if (v === undefined || v === "hf") return { order: HF_ORDER, llama: false };
  if (v === "llama.cpp") return { order: LLAMA_ORDER, llama: true };
  if (!Array.isArray(v)) throw typeError("order", '"hf", "llama.cpp" or an array of transform names', v);
  const seen = new Set<string>();
  const order = v.map((name: unknown, i) => {
    if (typeof name !== "string" || !TRANSFORM_OF.has(name)) {
      throw rangeError(`order[${i}]`, `one of ${HF_ORDER.join(", ")}`, name);
    }
    if (seen.has(name)) throw rangeError(`order[${i}]`, "listed once", name);
    seen.add(name);
    return name as TransformName;
  });
  return { order: Object.freeze(order), llama: false };
}

export function resolveOptions(options: SamplerOptions): Resolved {
  const o = ownOptions("options", options, KNOWN); // own properties, each read once
  if (o.vocabSize === undefined) throw new TypeError("vocabSize is required");
  const vocabSize = integer("vocabSize", o.vocabSize, 1, MAX_VOCAB);
  const seed = o.seed === undefined ? randomSeed() : checkSeed("seed", o.seed);
  const { order, llama } = checkOrder(o.order);
  const r = {
    vocabSize,
    seed,
    order,
    llama,
    minTokensToKeep: o.minTokensToKeep === undefined ? 1 : integer("minTokensToKeep", o.minTokensToKeep, 1, MAX_INT),
    penaltyLastN: o.penaltyLastN === undefined ? -1 : integer("penaltyLastN", o.penaltyLastN, -1, MAX_INT),
  } as Resolved;
  const c = { vocabSize, llama };
  for (const t of TRANSFORMS) Object.assign(r, t.readOptions(o, c));
  if (r.mirostat) {
    // llama.cpp: mirostat replaces the truncation samplers (and uses the plain temperature)
    const replaced: string[] = enabledTransforms(r).filter((t) => TRANSFORM_OF.get(t)!.truncation);
    if (r.dynRange > 0) replaced.push("dynamicTemperature");
    if (replaced.length > 0)
      throw new RangeError(
        `mirostat replaces the truncation samplers; leave ${replaced.join(", ")} at their neutral values`,
      );
    if (Array.isArray(o.order) && o.order[o.order.length - 1] !== "mirostat") {
      throw rangeError("order", 'a list ending with "mirostat" when mirostat is on', o.order);
    }
  }
  const missing = enabledTransforms(r).filter((t) => !r.order.includes(t));
  if (missing.length > 0)
    throw new RangeError(`order must list every enabled transform; missing ${missing.join(", ")}`);
  return r;
}

/** The transforms that are not at their neutral value (temperature 0 is greedy, not a transform, in "hf"). */
export function enabledTransforms(r: Resolved): TransformName[] {
  return TRANSFORMS.filter((t) => t.enabled(r)).map((t) => t.name);
}

/**
 * The op codes of the enabled transforms, in the configured order, after the suppression op (a
 * generation's EOS ban before minNewTokens: first, as Hugging Face places its min-length processors).
 */
export function program(r: Resolved): number[] {
  const on = new Set(enabledTransforms(r));
  return [OP_SUPPRESS, ...r.order.filter((t) => on.has(t)).map((t) => TRANSFORM_OF.get(t)!.op)];
}
