// A plain float64 transcription of Hugging Face's vectorized `_beam_search` (transformers >= 4.50), kept
// close to its tensor code: numBeams identical rows at the start with scores [0, -1e9, ...], finished
// slots initialised to -1e9, and every exclusion done by adding -1e9. Ties: lower flat index first
// (beam * vocab + token), as the library documents.
import { badWordBans, ngramBans } from "./reference.js";

export interface RefBeamOptions {
  vocabSize: number;
  numBeams: number;
  maxNewTokens: number;
  eosTokenId?: number[];
  lengthPenalty?: number;
  earlyStopping?: boolean | "never";
  numReturnSequences?: number;
  minNewTokens?: number;
  prompt?: number[];
  repetitionPenalty?: number;
  noRepeatNgramSize?: number;
  logitBias?: Map<number, number>;
  badWordsIds?: number[][];
}

const BIG = -1.0e9;

function logSoftmax(x: Float32Array): number[] {
  let m = -Infinity;
  for (const v of x) m = Math.max(m, v);
  let z = 0;
  for (const v of x) z += Math.exp(v - m);
  const lz = m + Math.log(z);
  return Array.from(x, (v) => v - lz);
}

/** The logits processors, on log-probabilities, in the library's order. */
function process(lp: number[], seq: number[], generated: number, o: RefBeamOptions): number[] {
  const out = lp.slice();
  const r = o.repetitionPenalty ?? 1;
  if (r !== 1) for (const t of new Set(seq)) out[t] = out[t]! < 0 ? out[t]! * r : out[t]! / r;
  if ((o.noRepeatNgramSize ?? 0) > 0) for (const t of ngramBans(seq, o.noRepeatNgramSize!)) out[t] = -Infinity;
  if (o.badWordsIds) for (const t of badWordBans(seq, o.badWordsIds)) out[t] = -Infinity;
  if (o.logitBias) for (const [t, b] of o.logitBias) out[t] = out[t]! + b;
  if (generated < (o.minNewTokens ?? 0)) for (const e of o.eosTokenId ?? []) out[e] = -Infinity;
  return out;
}

/** Indices of the k largest values, best first, ties by lower index. */
function topk(values: number[], k: number): number[] {
  return values
    .map((_, i) => i)
    .sort((a, b) => values[b]! - values[a]! || a - b)
    .slice(0, k);
}

export function referenceBeamSearch(
  model: (seq: number[]) => Float32Array,
  o: RefBeamOptions,
): { tokens: number[]; score: number }[] {
  const V = o.vocabSize,
    B = o.numBeams,
    prompt = o.prompt ?? [],
    eos = o.eosTokenId ?? [];
  const lp = o.lengthPenalty ?? 1,
    es = o.earlyStopping ?? false;
  const K = Math.max(2, 1 + eos.length) * B;
  const P = prompt.length,
    maxLen = P + o.maxNewTokens;
  let running = Array.from({ length: B }, () => prompt.slice());
  let runScores: number[] = Array.from({ length: B }, (_, i) => (i === 0 ? 0 : BIG));
  let seqs = Array.from({ length: B }, () => prompt.slice());
  let scores: number[] = Array.from({ length: B }, () => BIG);
  let fin = Array.from({ length: B }, () => false);
  let unsatisfied = true;
  let curLen = P;
  for (;;) {
    const acc: number[] = [];
    for (let b = 0; b < B; b++) {
      const l = process(logSoftmax(model(running[b]!)), running[b]!, curLen - P, o);
      for (let t = 0; t < V; t++) acc.push(l[t]! + runScores[b]!);
    }
    const idx = topk(acc, K);
    const topScores = idx.map((i) => acc[i]!);
    const topSeqs = idx.map((i) => [...running[Math.floor(i / V)]!, i % V]);
    const hits = idx.map((i) => curLen + 1 >= maxLen || eos.includes(i % V));
    // e. running beams for the next iteration
    const runVals = topScores.map((s, j) => s + (hits[j] ? BIG : 0));
    const next = topk(runVals, B);
    const newRunning = next.map((j) => topSeqs[j]!);
    const newRunScores = next.map((j) => runVals[j]!);
    // f. finished beams
    const full = fin.every(Boolean) && es === true;
    const denom = (curLen + 1 - P) ** lp;
    const fresh = topScores.map(
      (s, j) => s / denom + (full ? BIG : 0) + (unsatisfied ? 0 : BIG) + (hits[j] && j < B ? 0 : BIG),
    );
    const mergedSeqs = [...seqs, ...topSeqs];
    const mergedScores = [...scores, ...fresh];
    const mergedFin = [...fin, ...hits.map((h, j) => h && j < B)];
    const keep = topk(mergedScores, B);
    seqs = keep.map((j) => mergedSeqs[j]!);
    scores = keep.map((j) => mergedScores[j]!);
    fin = keep.map((j) => mergedFin[j]!);
    running = newRunning;
    runScores = newRunScores;
    curLen++;
    // g. heuristic and stopping condition
    const hyp = es === "never" && lp > 0 ? maxLen - P : curLen - P;
    const best = runScores[0]! / hyp ** lp;
    const minScore = Math.min(...scores);
    unsatisfied = unsatisfied && fin.some((f) => best > (f ? minScore : BIG));
    const openBeam = !(fin.every(Boolean) && es === true);
    const valid = !hits.every(Boolean);
    if (!(unsatisfied && openBeam && valid)) break;
  }
  const out: { tokens: number[]; score: number }[] = [];
  for (let j = 0; j < (o.numReturnSequences ?? 1); j++)
    if (fin[j]) out.push({ tokens: seqs[j]!.slice(P), score: scores[j]! });
  return out;
}
