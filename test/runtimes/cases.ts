// The cross-runtime cases: one script, bundled by test/runtimes/harness.ts, run unchanged in Node, Deno, Bun,
// headless Chromium and workerd. It imports the package by its name, so each runtime gets the entry its
// export conditions pick (workerd: the .wasm module import; the others: the inlined wasm).
//
// Every input is built with exact arithmetic (integer hashing, sums of multiples of 2^-24, one rounding to
// float32), never with Math.log/exp/cos, whose last bits differ between JavaScript engines. Every output
// (token ids, float32 probabilities, float64 logprobs and beam scores) goes into the digest bit for bit.
import { createSampler, createBeamSearch, type SamplerOptions, verifyDraft } from "llm-sampler";

export interface RuntimeReport {
  digest: string;
  cases: number;
  /** Milliseconds from the first call into the package to a usable sampler (compile + instantiate). */
  coldInstantiateMs: number;
  /** Short per-case digests, to find which case differs when the full digest does. */
  perCase: Record<string, string>;
}

/** xorshift32: integer-only, the same on every engine. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Peaked synthetic logits: a bell of four uniforms, a few boosted tokens, rounded once to float32. */
function logits(vocab: number, seed: number): Float32Array {
  const next = xorshift(seed * 2654435761 + 12345);
  const out = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) {
    let u = 0;
    for (let k = 0; k < 4; k++) u += (next() >>> 8) / 16777216;
    let x = (u - 2) * 2.5;
    if (next() % 211 === 0) x += 7 + (next() % 8);
    out[i] = x;
  }
  return out;
}

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, "0");
}

/** Exact bits of numbers: float32 for probabilities, float64 for logprobs and scores. */
const f32 = new Float32Array(1),
  u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1),
  u64 = new Uint32Array(f64.buffer);
function bits32(x: number): string {
  f32[0] = x;
  return hex32(u32[0]!);
}
function bits64(x: number): string {
  f64[0] = x;
  return hex32(u64[1]!) + hex32(u64[0]!);
}

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

const V = 32000;

/** Option sets for sampler cases, each run for 24 steps with a growing context. */
const SAMPLERS: Record<string, Omit<SamplerOptions, "vocabSize">> = {
  plain: { seed: 1 },
  hfChain: { seed: 2, temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, repetitionPenalty: 1.2 },
  llamaOrder: {
    seed: 3,
    order: "llama.cpp",
    temperature: 0.7,
    topK: 100,
    topP: 0.9,
    minP: 0.02,
    presencePenalty: 0.5,
    frequencyPenalty: 0.3,
  },
  topPOnly: { seed: 4, topP: 0.9 },
  typical: { seed: 5, typicalP: 0.8, epsilonCutoff: 0.0003 },
  eta: { seed: 6, etaCutoff: 0.002, temperature: 1.3 },
  sigma: { seed: 7, topNSigma: 1.5, temperature: 0.9 },
  greedy: { temperature: 0, repetitionPenalty: 1.5, noRepeatNgramSize: 2 },
  bias: { seed: 8, logitBias: { 5: 5, 77: -100, 123: 3 }, badWordsIds: [[9, 10], [11]] },
  dynTemp: { seed: 9, dynamicTemperature: { range: 0.5, exponent: 1.5 }, temperature: 0.9, minP: 0.01 },
  xtc: { seed: 10, xtc: { probability: 0.7, threshold: 0.05 }, topK: 60 },
  mirostat: { seed: 11, mirostat: { version: 2, tau: 4, eta: 0.2 } },
  dry: {
    seed: 12,
    order: "llama.cpp",
    dry: { multiplier: 0.9, base: 1.75, allowedLength: 2, sequenceBreakers: [[0]] },
    topK: 20,
  },
};

async function samplerCase(opts: Omit<SamplerOptions, "vocabSize">, salt: number): Promise<string> {
  const s = await createSampler({ vocabSize: V, ...opts });
  const ctx: number[] = [];
  const lines: string[] = [];
  for (let step = 0; step < 24; step++) {
    const l = logits(V, salt * 1000 + (step % 3)); // repeats make the penalties and DRY bite
    const t = s.sample(l, ctx);
    ctx.push(t);
    if (step % 6 === 0) {
      const p = s.probs(l, ctx);
      let sum = 0,
        nonzero = 0;
      for (let i = 0; i < p.length; i++)
        if (p[i]! > 0) {
          nonzero++;
          sum += p[i]!;
        }
      const top = s
        .topLogprobs(3, l, ctx)
        .map((x) => `${x.token}:${bits64(x.logprob)}`)
        .join(",");
      lines.push(`${t} n=${nonzero} p=${bits32(p[t]!)} s=${bits64(sum)} ${top}`);
    } else {
      lines.push(String(t));
    }
  }
  const batch = s.sampleBatch(
    (() => {
      const rows = new Float32Array(4 * V);
      for (let r = 0; r < 4; r++) rows.set(logits(V, salt * 77 + r), r * V);
      return rows;
    })(),
    4,
  );
  lines.push(`batch ${Array.from(batch).join(",")}`);
  return lines.join("\n");
}

/** A generation over a small word vocabulary, with stop strings that fire across token boundaries. */
async function generationCase(): Promise<string> {
  const words = [
    "<eos>",
    " the",
    " cat",
    " sat",
    " on",
    " a",
    " mat",
    ".",
    "\n",
    " and",
    " then",
    " ran",
    " é",
    "\u00a0",
  ];
  const vocab = 600;
  const text = (i: number) => (i < words.length ? words[i]! : ` w${i}`);
  const decode = (ids: number[]) => ids.map(text).join("");
  const s = await createSampler({ vocabSize: vocab, seed: 21, temperature: 0.9, topK: 30, repetitionPenalty: 1.1 });
  const lines: string[] = [];
  for (const stop of [[" mat."], ["sat on", "\n"], [" w5"]]) {
    const g = s.generation({
      decode,
      stop,
      prompt: [1, 2],
      maxNewTokens: 40,
      minNewTokens: 2,
      eosTokenId: 0,
      logprobs: 2,
    });
    for (let step = 0; !g.done; step++) {
      const l = logits(vocab, 500 + step);
      for (let w = 1; w < words.length; w++) l[w] = l[w]! + 4; // the words are likely, so the stops can hit
      const r = g.step(l);
      lines.push(
        `${r.token} ${JSON.stringify(r.text)} ${bits64(r.logprob)} ${r.topLogprobs?.map((x) => `${x.token}:${bits64(x.logprob)}`).join(",")} ${r.done ? r.finishReason : ""}`,
      );
    }
  }
  return lines.join("\n");
}

/**
 * Speculative verification: target rows, draft rows that differ from them by exact quarter steps, and draft
 * tokens that are the target rows' argmax or a fixed guess; with a chain, then within a generation (once
 * with draft rows, once with the draft's ids only).
 */
async function speculativeCase(): Promise<string> {
  const vocab = 4000;
  const s = await createSampler({
    vocabSize: vocab,
    seed: 31,
    temperature: 0.8,
    topK: 50,
    topP: 0.9,
    repetitionPenalty: 1.2,
  });
  const argmax = (l: Float32Array) => l.reduce((b, x, i) => (x > l[b]! ? i : b), 0);
  const make = (round: number, k: number) => {
    const targets = new Float32Array((k + 1) * vocab);
    const drafts = new Float32Array(k * vocab);
    const draft: number[] = [];
    for (let j = 0; j <= k; j++) {
      const l = logits(vocab, 700 + round * 8 + j);
      targets.set(l, j * vocab);
      if (j === k) break;
      draft.push(j % 3 === 2 ? (round * 131 + j) % vocab : argmax(l));
      for (let i = 0; i < vocab; i++) l[i] = l[i]! + 0.25 * ((i * 7 + round) % 5);
      drafts.set(l, j * vocab);
    }
    return { targets, drafts, draft };
  };
  const lines: string[] = [];
  const ctx = [3, 4];
  for (let round = 0; round < 12; round++) {
    const { targets, drafts, draft } = make(round, 1 + (round % 4));
    const r = verifyDraft(s, draft, drafts, targets, { context: ctx });
    ctx.push(...r.tokens);
    lines.push(`${r.accepted} ${r.tokens.join(",")} ${r.logprobs.map(bits64).join(",")}`);
  }
  for (const withRows of [true, false]) {
    const g = s.generation({ prompt: [1, 2], maxNewTokens: 16, eosTokenId: 0 });
    for (let round = 20; !g.done; round++) {
      const { targets, drafts, draft } = make(round, 3);
      const r = verifyDraft(g, draft, withRows ? drafts : null, targets);
      lines.push(`${r.accepted} ${r.tokens.join(",")} ${r.logprobs.map(bits64).join(",")} ${r.finishReason}`);
    }
  }
  return lines.join("\n");
}

async function beamCase(): Promise<string> {
  const vocab = 5000;
  const b = await createBeamSearch({
    vocabSize: vocab,
    numBeams: 4,
    maxNewTokens: 12,
    eosTokenId: 3,
    lengthPenalty: 1.2,
    numReturnSequences: 3,
    prompt: [7, 8],
    repetitionPenalty: 1.3,
    noRepeatNgramSize: 3,
  });
  for (let step = 0; !b.done; step++) {
    const n = b.sequences.length;
    const rows = new Float32Array(n * vocab);
    for (let r = 0; r < n; r++) {
      const l = logits(vocab, 9000 + step * 16 + (b.sequences[r]!.at(-1)! % 16));
      l[3] = l[3]! + (step > 6 ? 9 : 0);
      rows.set(l, r * vocab);
    }
    b.step(rows);
  }
  return b.results.map((r) => `${r.tokens.join(",")} ${bits64(r.score)}`).join("\n");
}

/** Runs every case; the digest covers every token and number they produce. */
export async function runCases(): Promise<RuntimeReport> {
  const t0 = performance.now();
  await createSampler({ vocabSize: 16 });
  const coldInstantiateMs = performance.now() - t0;
  const perCase: Record<string, string> = {};
  const all: string[] = [];
  let salt = 0;
  const add = async (name: string, text: string) => {
    perCase[name] = (await sha256(text)).slice(0, 12);
    all.push(`# ${name}\n${text}`);
  };
  for (const [name, opts] of Object.entries(SAMPLERS)) await add(name, await samplerCase(opts, ++salt));
  await add("generation", await generationCase());
  await add("beam", await beamCase());
  await add("speculative", await speculativeCase());
  return { digest: await sha256(all.join("\n")), cases: all.length, coldInstantiateMs, perCase };
}
