// npm run bench [-- --json] [-- --quick]
// Median microseconds per sample() at the vocabulary sizes people use, with ratios to baselines measured
// in the same run: one 4-accumulator f32x4.pmax pass over the same logits (the floor for anything that
// must read every token), one SIMD exp-and-sum pass, and a sort-based JavaScript sampler (the
// transformers.js v2 algorithm: sort [index, value] pairs, softmax, draw).
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { createBeamSearch, createSampler } from "../dist/index.js";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const VOCABS = QUICK ? [32000, 151936] : [32000, 50257, 128256, 151936, 256000];
const BUDGET_MS = QUICK ? 120 : 400; // time per measurement

/** mulberry32, for reproducible synthetic logits. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Logits shaped like a language model's: a Gaussian bulk (sd 2) and 20 strong candidates 8..14 above it. */
export function syntheticLogits(vocab, seed = 42) {
  const r = rng(seed);
  const out = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) out[i] = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()) * 2;
  for (let j = 0; j < 20; j++) out[Math.floor(r() * vocab)] = 8 + r() * 6;
  return out;
}

/** Median of per-call times (us); each timing covers a batch of calls sized so the clock resolution does not matter. */
function measure(fn, budgetMs = BUDGET_MS) {
  for (let i = 0; i < 5; i++) fn(); // warm up
  const t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 0.001);
  const batch = Math.max(1, Math.min(1000, Math.floor(0.5 / once)));
  const times = [];
  const end = performance.now() + budgetMs;
  while (performance.now() < end || times.length < 15) {
    const s = performance.now();
    for (let i = 0; i < batch; i++) fn();
    times.push(((performance.now() - s) * 1000) / batch);
    if (times.length >= 2000) break;
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** The sort-based JavaScript sampler of transformers.js v2, as the baseline most JS code uses. */
function jsSortSampler(logits, temperature, r) {
  const pairs = Array.from(logits, (v, i) => [i, v / temperature]);
  pairs.sort((a, b) => b[1] - a[1]);
  const m = pairs[0][1];
  let z = 0;
  for (const p of pairs) z += Math.exp(p[1] - m);
  let u = r() * z;
  for (const p of pairs) {
    u -= Math.exp(p[1] - m);
    if (u <= 0) return p[0];
  }
  return pairs[pairs.length - 1][0];
}

/** A bare engine instance for the baseline kernels, over its own copy of the logits. */
async function baselineEngine(logits) {
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL("../dist/sampler.wasm", import.meta.url)), {});
  const ex = instance.exports;
  ex.configure(logits.length, 1);
  new Float32Array(ex.memory.buffer, ex.offsetOf(3 /* F_LOGITS */), logits.length).set(logits);
  return ex;
}

const context256 = Array.from({ length: 256 }, (_, i) => (i * 7919) % 5000);

export const SCENARIOS = [
  { name: "greedy", options: { temperature: 0 } },
  { name: "temperature 0.8", options: { temperature: 0.8 } },
  { name: "topK 40", options: { topK: 40 } },
  { name: "topP 0.95", options: { topP: 0.95 } },
  { name: "minP 0.05", options: { minP: 0.05 } },
  {
    name: "full chain",
    options: { repetitionPenalty: 1.1, temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05 },
    context: context256,
  },
];

/**
 * Median us per beam-search step with numBeams live rows (distinct rows: the logits rotated per row). A
 * search is restarted every 32 steps so the token histories stay short; only steps with full rows are timed.
 */
async function beamStep(vocab, numBeams, logits) {
  const rows = new Float32Array(numBeams * vocab);
  for (let r = 0; r < numBeams; r++) {
    const shift = (r * 7919) % vocab;
    rows.set(logits.subarray(shift), r * vocab);
    rows.set(logits.subarray(0, shift), r * vocab + vocab - shift);
  }
  const times = [];
  const end = performance.now() + (QUICK ? 300 : 1000);
  while (performance.now() < end || times.length < 40) {
    const bs = await createBeamSearch({ vocabSize: vocab, numBeams, maxNewTokens: 1 << 30 });
    bs.step(logits);
    for (let i = 0; i < 32; i++) {
      const t = performance.now();
      bs.step(rows);
      times.push((performance.now() - t) * 1000);
    }
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

async function main() {
  const rows = [];
  const beams = [];
  for (const vocab of VOCABS) {
    const logits = syntheticLogits(vocab);
    const ex = await baselineEngine(logits);
    const vpad = (vocab + 31) & ~31;
    let mx = 0;
    const pmax = measure(() => { mx = ex.baselineMax(vpad); });
    const expSum = measure(() => ex.baselineExpSum(vpad, mx));
    const r = rng(7);
    const jsSort = measure(() => jsSortSampler(logits, 1, r), QUICK ? 300 : 1500);
    for (const sc of SCENARIOS) {
      const s = await createSampler({ vocabSize: vocab, seed: 1, ...sc.options });
      s.logits.set(logits);
      const ctx = sc.context;
      const us = measure(() => s.sample(undefined, ctx));
      rows.push({
        vocab, scenario: sc.name, us,
        pmaxUs: pmax, expSumUs: expSum, jsSortUs: jsSort,
        vsPmax: us / pmax, vsPmaxPlusExp: us / (pmax + expSum), jsSortSpeedup: jsSort / us,
      });
    }
    if (vocab === 32000 || vocab === 151936) {
      for (const numBeams of [4, 8]) {
        const us = await beamStep(vocab, numBeams, logits);
        beams.push({ vocab, numBeams, us, expSumRowsUs: numBeams * expSum, vsExpSum: us / (numBeams * expSum) });
      }
    }
    process.stderr.write(`vocab ${vocab}: pmax ${pmax.toFixed(1)} us, exp-sum ${expSum.toFixed(1)} us, JS sort ${(jsSort / 1000).toFixed(1)} ms\n`);
  }
  const machine = `${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}`;
  if (args.has("--json")) {
    writeFileSync(new URL("./results.json", import.meta.url), JSON.stringify({ machine, date: new Date().toISOString(), rows, beams }, null, 2));
  }
  console.log(`\nllm-sampler benchmark: ${machine}`);
  console.log("median us per sample(); ratios against baselines measured in the same run\n");
  console.log("| vocab | scenario | us | x pmax pass | x (pmax + exp-sum) | faster than JS sort |");
  console.log("|---:|---|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.vocab} | ${r.scenario} | ${r.us.toFixed(1)} | ${r.vsPmax.toFixed(2)} | ${r.vsPmaxPlusExp.toFixed(2)} | ${Math.round(r.jsSortSpeedup)}x |`);
  }
  console.log("\nBeam search: median us per step with numBeams live rows, against one exp-and-sum pass over those rows\n");
  console.log("| vocab | numBeams | us per step | exp-sum over the rows us | x exp-sum |");
  console.log("|---:|---:|---:|---:|---:|");
  for (const b of beams) {
    console.log(`| ${b.vocab} | ${b.numBeams} | ${b.us.toFixed(0)} | ${b.expSumRowsUs.toFixed(0)} | ${b.vsExpSum.toFixed(2)} |`);
  }
  console.log("\n| vocab | pmax pass us | exp-sum pass us | JS sort sampler us |");
  console.log("|---:|---:|---:|---:|");
  for (const vocab of VOCABS) {
    const r = rows.find((x) => x.vocab === vocab);
    console.log(`| ${vocab} | ${r.pmaxUs.toFixed(1)} | ${r.expSumUs.toFixed(1)} | ${r.jsSortUs.toFixed(0)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
