// npm start: what each sampling strategy does to real next-word distributions (data/next-word, the CMU
// US-English trigram LM, BSD-2-Clause): the top words before and after each transform, how many words
// survive, and the words each strategy picks with a fixed seed.
import { readFileSync } from "node:fs";
import { createSampler } from "../dist/index.js";

const dir = new URL("../data/next-word/", import.meta.url);
const vocab = readFileSync(new URL("vocab.txt", dir), "utf8").split("\n");
const index = JSON.parse(readFileSync(new URL("index.json", dir), "utf8"));
const V = index.vocabSize;

function load(file) {
  const b = readFileSync(new URL(file, dir));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
}

const bar = (p) => "#".repeat(Math.max(p > 0 ? 1 : 0, Math.round(p * 30)));
const word = (t) => vocab[t] ?? `#${t}`;

function top(probs, n) {
  return Array.from(probs.keys()).filter((i) => probs[i] > 0).sort((a, b) => probs[b] - probs[a] || a - b).slice(0, n);
}

const STRATEGIES = [
  ["no transform (temperature 1)", {}],
  ["greedy (temperature 0)", { temperature: 0 }],
  ["temperature 0.5", { temperature: 0.5 }],
  ["temperature 1.5", { temperature: 1.5 }],
  ["topK 5", { topK: 5 }],
  ["topP 0.6", { topP: 0.6 }],
  ["minP 0.1", { minP: 0.1 }],
  ["typicalP 0.5", { typicalP: 0.5 }],
  ["epsilonCutoff 0.01", { epsilonCutoff: 0.01 }],
  ["etaCutoff 0.01", { etaCutoff: 0.01 }],
  ["topNSigma 1", { topNSigma: 1 }],
  ["llama.cpp chain: topK 40, topP 0.95, minP 0.05, temperature 0.8", { order: "llama.cpp", topK: 40, topP: 0.95, minP: 0.05, temperature: 0.8 }],
];

const CONTEXTS = [0, 2, 5]; // "once upon a", "i would like to", "it was a"

for (const k of CONTEXTS) {
  const item = index.items[k];
  const logits = load(item.file);
  console.log(`\n=== "${item.context} ..." (${V.toLocaleString("en-US")} words) ===`);
  for (const [name, options] of STRATEGIES) {
    const s = await createSampler({ vocabSize: V, seed: 3, ...options });
    const p = s.probs(logits);
    const kept = p.reduce((n, x) => n + (x > 0 ? 1 : 0), 0);
    s.logits.set(logits);
    const picks = Array.from({ length: 10 }, () => word(s.sample()));
    console.log(`\n${name}: ${kept.toLocaleString("en-US")} word${kept === 1 ? "" : "s"} kept`);
    for (const t of top(p, 5)) console.log(`  ${word(t).padEnd(12)} ${p[t].toFixed(3).padStart(6)} ${bar(p[t])}`);
    console.log(`  picks: ${picks.join(" ")}`);
  }
}

// Penalties need a context: they act on the words already said.
const said = "the the the united united states".split(" ").map((w) => vocab.indexOf(w)).filter((t) => t >= 0);
const item = index.items[1];
const logits = load(item.file);
console.log(`\n=== penalties on "${item.context} ...", with "the the the united united states" already said ===`);
for (const [name, options] of [
  ["no penalty", {}],
  ["repetitionPenalty 1.5", { repetitionPenalty: 1.5 }],
  ["presencePenalty 1", { presencePenalty: 1 }],
  ["frequencyPenalty 1", { frequencyPenalty: 1 }],
]) {
  const s = await createSampler({ vocabSize: V, seed: 3, ...options });
  const p = s.probs(logits, said);
  console.log(`\n${name}`);
  for (const t of top(p, 5)) console.log(`  ${word(t).padEnd(12)} ${p[t].toFixed(3).padStart(6)} ${bar(p[t])}`);
}
