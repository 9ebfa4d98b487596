// A plain double-precision reference of every transform, written for clarity, not speed: it sorts the
// whole vocabulary whenever that is the obvious way. The engine must agree with it (test/reference.test.ts).
// Conventions shared with the engine: "best first" means higher score, then lower token id.
import { HF_ORDER, LLAMA_ORDER, type SamplerOptions, type TransformName } from "../js/options.js";

/** The sampler options the reference understands (the logit bias as a Map). */
export type RefOptions = Omit<SamplerOptions, "vocabSize" | "seed" | "logitBias"> & {
  logitBias?: Map<number, number>;
  /** Mirostat's running mu (default: 2 * tau, its start). */
  mirostatMu?: number;
};

export class AllRemovedError extends Error {}

/** Logits are float32 values: a processor's result is stored as one, in the engine and here. */
const f32 = Math.fround;

/** A cumulative mass within 1e-6 (relative) of p counts as reaching p: float32 logits cannot do better. */
const MASS_SLACK = 1 - 1e-6;

const PROCESSORS = new Set<TransformName>([
  "dry",
  "repetitionPenalty",
  "presencePenalty",
  "frequencyPenalty",
  "noRepeatNgramSize",
  "badWordsIds",
  "logitBias",
  "allowedTokens",
]);

/** Token ids with a finite score, best first. */
function ranked(scores: Float64Array): number[] {
  const ids: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] !== -Infinity) ids.push(i);
  return ids.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

function softmax(scores: Float64Array): Float64Array {
  let m = -Infinity;
  for (const x of scores) m = Math.max(m, x);
  const p = new Float64Array(scores.length);
  if (m === -Infinity) return p;
  let z = 0;
  for (let i = 0; i < scores.length; i++) z += p[i] = Math.exp(scores[i]! - m);
  for (let i = 0; i < p.length; i++) p[i]! /= z;
  return p;
}

function removeAllBut(scores: Float64Array, keep: Iterable<number>): void {
  const k = new Set(keep);
  for (let i = 0; i < scores.length; i++) if (!k.has(i)) scores[i] = -Infinity;
}

/** Keeps the tokens `keep` says, or, if fewer than minKeep, the best minKeep (exactly, or with ties). */
function keepAtLeast(
  scores: Float64Array,
  keep: (id: number) => boolean,
  minKeep: number,
  ties: boolean,
  order = ranked(scores),
): void {
  const kept = order.filter(keep);
  if (kept.length >= Math.min(minKeep, order.length)) return removeAllBut(scores, kept);
  const best = order.slice(0, minKeep);
  if (!ties) return removeAllBut(scores, best);
  const kth = scores[best[best.length - 1]!]!;
  removeAllBut(
    scores,
    order.filter((i) => keep(i) || scores[i]! >= kth),
  );
}

function entropy(p: Float64Array): number {
  let h = 0;
  for (const x of p) if (x > 0) h -= x * Math.log(x);
  return h;
}

export function windowCounts(context: number[], lastN: number): Map<number, number> {
  const w = lastN < 0 ? context : lastN === 0 ? [] : context.slice(-lastN);
  const c = new Map<number, number>();
  for (const t of w) c.set(t, (c.get(t) ?? 0) + 1);
  return c;
}

export function ngramBans(context: number[], n: number): Set<number> {
  const out = new Set<number>();
  if (context.length + 1 < n) return out;
  const suffix = context.slice(context.length - (n - 1)).join(",");
  for (let i = 0; i + n <= context.length; i++) {
    if (context.slice(i, i + n - 1).join(",") === suffix) out.add(context[i + n - 1]!);
  }
  return out;
}

export function badWordBans(context: number[], words: number[][]): Set<number> {
  const out = new Set<number>();
  for (const w of words) {
    const pre = w.slice(0, -1);
    // Hugging Face skips a sequence longer than the context (SequenceBiasLogitsProcessor)
    if (pre.length > 0 && w.length > context.length) continue;
    if (context.slice(context.length - pre.length).join(",") === pre.join(",")) {
      out.add(w[w.length - 1]!);
    }
  }
  return out;
}

/**
 * llama.cpp's rules (order "llama.cpp"): its candidate array keeps -inf tokens until a truncation shrinks it,
 * and dynamic temperature and XTC count them; `size` is that array's size, null when it holds the finite
 * tokens kept but at least `floor` (a truncation keeping minTokensToKeep keeps -inf tokens to reach it).
 */
interface Llama {
  size: number | null;
  floor: number;
}

const TRUNCATIONS = new Set<TransformName>([
  "topP",
  "minP",
  "typicalP",
  "epsilonCutoff",
  "etaCutoff",
  "topA",
  "mirostat",
]);

function apply(name: TransformName, s: Float64Array, o: RefOptions, context: number[], llama: Llama | null): void {
  const minKeep = o.minTokensToKeep ?? 1;
  const kept = () => llama?.size ?? Math.max(ranked(s).length, llama?.floor ?? 0);
  if (llama && TRUNCATIONS.has(name)) {
    const keep = name === "mirostat" ? 1 : name === "minP" && o.minP! > 1 ? Math.max(1, minKeep) : minKeep;
    llama.floor = keep > 1 ? Math.min(keep, kept()) : 0;
    llama.size = null;
  }
  // transforms that mask in llama.cpp (top-n-sigma, a zero temperature) leave its array's size as it is
  if (llama && (name === "topNSigma" || name === "temperature")) llama.size = kept();
  const V = s.length;
  switch (name) {
    case "repetitionPenalty": {
      const r = o.repetitionPenalty ?? 1;
      for (const t of windowCounts(context, o.penaltyLastN ?? -1).keys()) s[t] = f32(s[t]! < 0 ? s[t]! * r : s[t]! / r);
      return;
    }
    case "presencePenalty":
      for (const t of windowCounts(context, o.penaltyLastN ?? -1).keys()) s[t] = f32(s[t]! - (o.presencePenalty ?? 0));
      return;
    case "frequencyPenalty":
      for (const [t, c] of windowCounts(context, o.penaltyLastN ?? -1))
        s[t] = f32(s[t]! - (o.frequencyPenalty ?? 0) * c);
      return;
    case "mirostat": {
      const m = o.mirostat!;
      const mu = o.mirostatMu ?? 2 * (m.tau ?? 5);
      const order = ranked(s),
        p = softmax(s);
      if (m.version === 2) {
        // keep the tokens whose surprise -log2(p) is at most mu; at least the best one
        const keep = order.filter((i) => -Math.log2(p[i]!) <= mu);
        return removeAllBut(s, keep.length > 0 ? keep : order.slice(0, 1));
      }
      // v1: Zipf exponent from the 100 most likely tokens, then the top k
      const top = order.slice(0, 100);
      let tb = 0,
        tt = 0;
      for (let i = 0; i + 1 < top.length && i < 99; i++) {
        const t = Math.log((i + 2) / (i + 1)),
          b = Math.log(p[top[i]!]! / p[top[i + 1]!]!);
        tb += t * b;
        tt += t * t;
      }
      const sHat = tb / tt,
        eps = sHat - 1;
      let k = ((eps * 2 ** mu) / (1 - V ** -eps)) ** (1 / sHat);
      k = !(k >= 1) ? 1 : Math.min(Math.floor(k), V);
      return removeAllBut(s, order.slice(0, k));
    }
    case "dry": {
      // llama.cpp's DRY, by brute force: for each earlier position, how long the context's ending repeats
      // ending there; the token that followed would extend it.
      const d = o.dry!;
      const allowed = d.allowedLength ?? 2,
        base = d.base ?? 1.75,
        lastN = d.penaltyLastN ?? -1;
      const W = lastN < 0 ? context.length : Math.min(lastN, context.length);
      if (W <= allowed) return;
      const w = context.slice(context.length - W);
      const breakers = (d.sequenceBreakers ?? []).map((b) => {
        if (!Array.isArray(b)) throw new Error("reference: DRY breakers as token ids only");
        return b;
      });
      let repLimit = W;
      for (let i = 0; i < W && repLimit === W; i++) {
        let longest = -1;
        for (const [head, ...tail] of breakers) {
          if (head !== w[W - 1 - i] || tail.length > i) continue;
          if (tail.every((t, k) => t === w[W - 1 - (i - k - 1)])) longest = Math.max(longest, tail.length);
        }
        if (longest >= 0) repLimit = i - longest;
      }
      if (repLimit < allowed) return;
      const best = new Map<number, number>();
      for (let f = 0; f + 1 < W; f++) {
        let L = 0;
        while (L <= f && w[f - L] === w[W - 1 - L]) L++;
        L = Math.min(L, repLimit);
        if (L >= allowed) best.set(w[f + 1]!, Math.max(best.get(w[f + 1]!) ?? 0, L));
      }
      const single = new Set(breakers.filter((b) => b.length === 1).map((b) => b[0]!));
      const cap = base > 1.000001 ? Math.floor(88.7228391 / Math.log(base)) : Infinity;
      for (const [t, L] of best) {
        if (single.has(t)) continue;
        s[t] = f32(s[t]! - d.multiplier * base ** Math.min(L - allowed, cap));
      }
      return;
    }
    case "noRepeatNgramSize":
      for (const t of ngramBans(context, o.noRepeatNgramSize!)) s[t] = -Infinity;
      return;
    case "badWordsIds":
      for (const t of badWordBans(context, o.badWordsIds!)) s[t] = -Infinity;
      return;
    case "logitBias":
      for (const [t, b] of o.logitBias!) s[t] = f32(s[t]! + b);
      return;
    case "allowedTokens":
      for (let i = 0; i < V; i++) if (((o.allowedTokens![i >>> 5]! >>> (i & 31)) & 1) === 0) s[i] = -Infinity;
      return;
    case "temperature": {
      const t = o.temperature ?? 1,
        range = o.dynamicTemperature?.range ?? 0;
      if (range <= 0 && t === 0) return removeAllBut(s, ranked(s).slice(0, 1)); // llama.cpp: the best token stays
      if (range <= 0) {
        for (let i = 0; i < V; i++) s[i]! /= t;
        return;
      }
      // llama.cpp temp_ext: T moves within [max(0, T - range), T + range] with the normalised entropy
      const n = kept();
      if (n <= 1) return;
      const norm = entropy(softmax(s)) / Math.log(n);
      const lo = Math.max(0, t - range),
        hi = t + range;
      const dyn = lo + (hi - lo) * norm ** (o.dynamicTemperature?.exponent ?? 1);
      if (dyn <= 0) return removeAllBut(s, ranked(s).slice(0, 1));
      for (let i = 0; i < V; i++) s[i]! /= dyn;
      return;
    }
    case "xtc": {
      // llama.cpp XTC; the reference knows the decision only for probability 1 (always applies)
      const { probability, threshold = 0.1 } = o.xtc!;
      const order = ranked(s);
      if (probability <= 0 || threshold > 0.5 || kept() < 2) return;
      if (probability < 1) throw new Error("reference: xtc.probability must be 0 or 1");
      const p = softmax(s);
      const top = order.filter((i) => p[i]! >= threshold);
      const n = kept();
      if (top.length < 2 || n - (top.length - 1) < minKeep) return;
      for (const i of top.slice(0, -1)) s[i] = -Infinity;
      if (llama) llama.size = n - (top.length - 1);
      return;
    }
    case "topNSigma": {
      // llama.cpp: max, mean and population std over the finite logits; keep logit >= max - n * std.
      const f = ranked(s).map((i) => s[i]!);
      const mean = f.reduce((a, b) => a + b, 0) / f.length;
      const sd = Math.sqrt(f.reduce((a, b) => a + (b - mean) ** 2, 0) / f.length);
      const thr = f[0]! - o.topNSigma! * sd;
      return keepAtLeast(s, (i) => s[i]! >= thr, llama ? 1 : minKeep, true); // llama.cpp: no minTokensToKeep
    }
    case "topK": {
      const k = llama ? o.topK! : Math.max(o.topK!, minKeep); // llama.cpp: no minTokensToKeep, exactly k
      if (llama) llama.size = Math.min(kept(), k);
      const order = ranked(s);
      if (k >= order.length) return;
      if (llama) return removeAllBut(s, order.slice(0, k));
      const kth = s[order[k - 1]!]!; // Hugging Face: every token tied with the k-th stays
      return removeAllBut(
        s,
        order.filter((i) => s[i]! >= kth),
      );
    }
    case "topP": {
      const p = softmax(s),
        order = ranked(s);
      let cum = 0,
        n = 0;
      for (const i of order) {
        n++;
        cum += p[i]!;
        if (cum >= o.topP! * MASS_SLACK) break;
      }
      return removeAllBut(s, order.slice(0, Math.max(n, Math.min(minKeep, order.length))));
    }
    case "minP": {
      const p = softmax(s),
        order = ranked(s);
      if (o.minP! > 1) return removeAllBut(s, order.slice(0, Math.max(1, minKeep))); // llama.cpp's rules only
      const pmax = p[order[0]!]!;
      return keepAtLeast(s, (i) => p[i]! >= o.minP! * pmax, minKeep, false, order);
    }
    case "typicalP": {
      const p = softmax(s),
        h = entropy(p);
      const dev = (i: number) => Math.abs(-Math.log(p[i]!) - h);
      const order = ranked(s).sort((a, b) => dev(a) - dev(b) || a - b);
      let cum = 0,
        last = order.length - 1;
      for (let j = 0; j < order.length; j++) {
        cum += p[order[j]!]!;
        if (cum >= o.typicalP! * MASS_SLACK) {
          last = j;
          break;
        }
      }
      const cut = dev(order[last]!);
      return keepAtLeast(s, (i) => dev(i) <= cut, minKeep, false, order);
    }
    case "topA": {
      const p = softmax(s),
        order = ranked(s);
      const pmax = p[order[0]!]!;
      return keepAtLeast(s, (i) => p[i]! >= o.topA! * pmax * pmax, minKeep, false, order);
    }
    case "epsilonCutoff":
    case "etaCutoff": {
      const p = softmax(s);
      const eps = name === "epsilonCutoff" ? o.epsilonCutoff! : o.etaCutoff!;
      const cut = name === "epsilonCutoff" ? eps : Math.min(eps, Math.sqrt(eps) * Math.exp(-entropy(p)));
      return keepAtLeast(s, (i) => p[i]! >= cut, minKeep, true);
    }
  }
}

function enabled(name: TransformName, o: RefOptions): boolean {
  switch (name) {
    case "repetitionPenalty":
      return (o.repetitionPenalty ?? 1) !== 1;
    case "presencePenalty":
      return (o.presencePenalty ?? 0) !== 0;
    case "frequencyPenalty":
      return (o.frequencyPenalty ?? 0) !== 0;
    case "noRepeatNgramSize":
      return (o.noRepeatNgramSize ?? 0) > 0;
    case "badWordsIds":
      return (o.badWordsIds?.length ?? 0) > 0;
    case "logitBias":
      return (o.logitBias?.size ?? 0) > 0;
    case "allowedTokens":
      return o.allowedTokens !== undefined;
    case "temperature":
      return (
        (o.temperature !== 0 || o.order === "llama.cpp") &&
        ((o.temperature ?? 1) !== 1 || (o.dynamicTemperature?.range ?? 0) > 0)
      );
    case "topNSigma":
      return (o.topNSigma ?? 0) > 0;
    case "topK":
      return (o.topK ?? 0) > 0;
    case "topP":
      return (o.topP ?? 1) < 1;
    case "minP":
      return (o.minP ?? 0) > 0;
    case "typicalP":
      return (o.typicalP ?? 1) < 1;
    case "epsilonCutoff":
      return (o.epsilonCutoff ?? 0) > 0;
    case "etaCutoff":
      return (o.etaCutoff ?? 0) > 0;
    case "topA":
      return (o.topA ?? 0) > 0;
    case "xtc":
      return (o.xtc?.probability ?? 0) > 0;
    case "mirostat":
      return o.mirostat !== undefined;
    case "dry":
      return o.dry !== undefined && o.dry.multiplier !== 0 && o.dry.penaltyLastN !== 0;
  }
}

/** The distribution the options define for these logits and context. Throws AllRemovedError if nothing is left. */
export function referenceProbs(logits: ArrayLike<number>, o: RefOptions, context: number[] = []): Float64Array {
  const s = Float64Array.from(logits);
  const order = o.order === "llama.cpp" ? LLAMA_ORDER : Array.isArray(o.order) ? o.order : HF_ORDER;
  const llama = o.order === "llama.cpp" ? { size: s.length, floor: 0 } : null;
  const greedy = o.temperature === 0 && !llama; // llama.cpp: a zero temperature acts where it stands
  for (const name of order) {
    if (!enabled(name, o)) continue;
    if (greedy && !PROCESSORS.has(name)) continue; // greedy: the argmax of the processed logits
    apply(name, s, o, context, llama);
  }
  const best = ranked(s);
  if (best.length === 0) throw new AllRemovedError("every token removed");
  if (greedy) {
    const p = new Float64Array(s.length);
    p[best[0]!] = 1;
    return p;
  }
  return softmax(s);
}
