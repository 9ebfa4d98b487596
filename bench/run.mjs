// npm run bench [-- --json] [-- --quick] [-- --speculative (only the verifyDraft table)]
// Median microseconds per sample() at the vocabulary sizes people use, with ratios to baselines measured
// in the same run: one 4-accumulator f32x4.pmax pass over the same logits (the floor for anything that
// must read every token), the fastest exp-and-sum pass we can write (assembly/floor.ts: the exp2 kernel, four
// accumulators, nothing stored, no threshold; the floor for anything that needs the normaliser), and a
// sort-based JavaScript sampler (the transformers.js v2 algorithm: sort [index, value] pairs, softmax, draw).
// The floors live in build/floor.wasm, outside the shipped module, so a slower engine kernel shows as a miss.
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { createBeamSearch, createSampler, verifyDraft } from "../dist/index.js";
import { rng, syntheticLogits } from "./synthetic.mjs";
import { SCENARIOS, context256, optionsFor } from "./scenarios.mjs";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const VOCABS = QUICK ? [32000, 151936] : [32000, 50257, 128256, 151936, 256000];
const BUDGET_MS = QUICK ? 120 : 400; // time per measurement

/** Median of per-call times (us); each timing covers a batch of calls sized so the clock resolution does not matter. */
function measure(fn, budgetMs = BUDGET_MS) {
  for (let i = 0; i < 3; i++) fn(); // warm up
  const t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 0.001);
  const batch = Math.max(1, Math.min(1000, Math.floor(0.5 / once)));
  const times = [];
  const end = performance.now() + budgetMs;
  while (performance.now() < end || times.length < 5) {
    const s = performance.now();
    for (let i = 0; i < batch; i++) fn();
    times.push(((performance.now() - s) * 1000) / batch);
    if (times.length >= 2000) break;
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/**
 * Paired measurement on a machine whose speed drifts: `rounds` rounds, each timing every function for a
 * short while, back to back. Returns the median time of each function and the median, over rounds, of any
 * ratio computed from one round's times, so a slow phase of the machine hits both sides of a ratio.
 */
function paired(fns, ratios, rounds = QUICK ? 7 : 15) {
  const per = fns.map(() => []);
  const rs = ratios.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const t = fns.map((f) => measure(f, BUDGET_MS / 8));
    t.forEach((x, i) => per[i].push(x));
    ratios.forEach((g, i) => rs[i].push(g(t)));
  }
  const med = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  return { times: per.map(med), ratios: rs.map(med) };
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
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL("../build/floor.wasm", import.meta.url)), {});
  const ex = instance.exports;
  ex.configure(logits.length, 1);
  new Float32Array(ex.memory.buffer, ex.offsetOf(3 /* F_LOGITS */), logits.length).set(logits);
  return ex;
}

/**
 * Median us per beam-search step with numBeams live rows (distinct rows: the logits rotated per row). A
 * search is restarted every 32 steps so the token histories stay short; only steps with full rows are timed.
 */
/** The rows a beam step sees: the logits rotated per row, so the rows are distinct. */
function beamRows(logits, numBeams, write) {
  const vocab = logits.length;
  for (let r = 0; r < numBeams; r++) {
    const row = write(r),
      shift = (r * 7919) % vocab;
    row.set(logits.subarray(shift), 0);
    row.set(logits.subarray(0, shift), vocab - shift);
  }
}

/**
 * Median us per beam-search step with numBeams live rows that the "model" wrote into rowView (untimed),
 * paired per round with one exp-and-sum pass over the same rows (a bare engine holding the same rows): timed
 * in a loop over rows already in cache (vsExpSum, the target's floor), and once per write of the rows, as the
 * step reads them (vsFreshExpSum: where the rows come from a cache level that the floor's loop does not see).
 */
async function beamStep(vocab, numBeams, logits) {
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL("../build/floor.wasm", import.meta.url)), {});
  const base = instance.exports;
  base.configure(vocab, numBeams);
  const vpad = (vocab + 31) & ~31;
  const baseRow = (r) => new Float32Array(base.memory.buffer, base.offsetOf(3) + r * vpad * 4, vocab);
  beamRows(logits, numBeams, baseRow);
  const mx = base.baselineMax(numBeams * vpad);
  const steps = [],
    ratios = [],
    freshRatios = [];
  for (let round = 0; round < (QUICK ? 6 : 15); round++) {
    const bs = await createBeamSearch({ vocabSize: vocab, numBeams, maxNewTokens: 1 << 30 });
    bs.step(logits);
    const t = [];
    for (let i = 0; i < 8; i++) {
      beamRows(logits, numBeams, (r) => bs.rowView(r));
      const t0 = performance.now();
      bs.step();
      t.push((performance.now() - t0) * 1000);
    }
    t.sort((a, b) => a - b);
    const step = t[t.length >> 1];
    const es = measure(() => base.baselineExpSum(numBeams * vpad, mx), BUDGET_MS / 8);
    const fresh = [];
    for (let i = 0; i < 8; i++) {
      beamRows(logits, numBeams, baseRow);
      const t0 = performance.now();
      base.baselineExpSum(numBeams * vpad, mx);
      fresh.push((performance.now() - t0) * 1000);
    }
    fresh.sort((a, b) => a - b);
    steps.push(step);
    ratios.push(step / es);
    freshRatios.push(step / fresh[fresh.length >> 1]);
  }
  const med = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  return { us: med(steps), vsExpSum: med(ratios), vsFreshExpSum: med(freshRatios) };
}

/**
 * Allocation over 100k steady-state calls: JS heap growth after a full GC (node --expose-gc) and wasm
 * memory growth, for sample() with a 256-token context and for Generation.step() (a generation is
 * replaced every 1,000 steps, so what grows is what a step leaves behind, not the tokens it keeps).
 */
async function allocations() {
  const V = 32000,
    N = QUICK ? 20_000 : 100_000;
  const logits = syntheticLogits(V);
  const s = await createSampler({ vocabSize: V, seed: 1, topK: 40, temperature: 0.8, repetitionPenalty: 1.1 });
  const gc = globalThis.gc;
  const heap = () => {
    gc?.();
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  const wasm0 = s.logits.buffer.byteLength;
  s.logits.set(logits);
  for (let i = 0; i < 2000; i++) s.sample(undefined, context256);
  const h0 = heap();
  for (let i = 0; i < N; i++) s.sample(undefined, context256);
  const sampleHeap = heap() - h0;
  let g = s.generation({ prompt: context256, maxNewTokens: 1000 });
  for (let i = 0; i < 2000; i++) {
    if (g.done) g = s.generation({ prompt: context256, maxNewTokens: 1000 });
    s.logits.set(logits);
    g.step();
  }
  const h1 = heap();
  for (let i = 0; i < N; i++) {
    if (g.done) g = s.generation({ prompt: context256, maxNewTokens: 1000 });
    g.step();
  }
  g = null;
  const stepHeap = heap() - h1;
  return {
    calls: N,
    gcExposed: typeof gc === "function",
    sampleHeapBytes: sampleHeap,
    stepHeapBytes: stepHeap,
    wasmGrowthBytes: s.logits.buffer.byteLength - wasm0,
  };
}

/** sampleBatch of 32 rows at 32000: per-row cost against one sample(row) each (both copy the row in). */
async function batchCost() {
  const V = 32000,
    B = 32;
  const rows = new Float32Array(V * B);
  for (let r = 0; r < B; r++) rows.set(syntheticLogits(V, 100 + r), r * V);
  const opts = { vocabSize: V, seed: 1, topK: 40, temperature: 0.8 };
  const a = await createSampler(opts),
    b = await createSampler(opts);
  const views = Array.from({ length: B }, (_, r) => rows.subarray(r * V, (r + 1) * V));
  const {
    times: [batch, single],
    ratios: [ratio],
  } = paired(
    [
      () => a.sampleBatch(rows, B),
      () => {
        for (let r = 0; r < B; r++) b.sample(views[r]);
      },
    ],
    [(t) => t[0] / t[1]],
  );
  return { perRowBatchUs: batch / B, perRowSingleUs: single / B, ratio };
}

/**
 * Speculative verification of k draft tokens at 32,000 and 151,936 tokens, in paired rounds against k + 1
 * single sample(row) calls (each copies its row in, as verifyDraft does), with every draft token accepted
 * (the most rows a call processes): temperature 0.8 with the draft rows (the chain runs over k draft rows
 * and k + 1 target rows, so also against 2k + 1 sample() calls), the same with the draft's log-probabilities
 * (draftLogprobs: k + 1 rows), and greedy with the draft's ids only (k + 1 rows).
 */
async function speculative() {
  const out = [];
  for (const V of [32000, 151936]) {
    for (const k of [4, 8]) {
      const target = new Float32Array((k + 1) * V);
      for (let j = 0; j <= k; j++) target.set(syntheticLogits(V, 300 + j), j * V);
      const draftRows = target.subarray(0, k * V); // the draft agrees with the target: all accepted
      const row = (j) => target.subarray(j * V, (j + 1) * V);
      const hot = { vocabSize: V, seed: 1, temperature: 0.8 };
      const greedy = { vocabSize: V, temperature: 0 };
      const a = await createSampler(hot),
        b = await createSampler(hot),
        ga = await createSampler(greedy),
        gb = await createSampler(greedy);
      const draft = Array.from({ length: k }, (_, j) => gb.sample(row(j))); // the argmax: accepted under greedy
      const draftLogprobs = draft.map((x, j) => Math.log(b.probs(row(j))[x]));
      const k1 = (s) => () => {
        for (let j = 0; j <= k; j++) s.sample(row(j));
      };
      const {
        times: [rowsUs, lpUs, idsUs],
        ratios: [vsK1, vs2k1, lpVsK1, idsVsK1],
      } = paired(
        [
          () => verifyDraft(a, draft, draftRows, target),
          () => verifyDraft(a, draft, draftRows, target, { draftLogprobs }),
          () => verifyDraft(ga, draft, null, target),
          k1(b),
          k1(gb),
        ],
        [(t) => t[0] / t[3], (t) => t[0] / ((t[3] * (2 * k + 1)) / (k + 1)), (t) => t[1] / t[3], (t) => t[2] / t[4]],
      );
      out.push({ vocab: V, k, rowsUs, lpUs, idsUs, vsK1, vs2k1, lpVsK1, idsVsK1 });
    }
  }
  return out;
}

/**
 * Steady state before the first timing: V8 compiles wasm functions with its baseline compiler first and
 * optimises the hot ones in the background (on 2 cores, seconds later), and the JS wrapper needs its own
 * warm-up; this way the first vocabulary measured does not pay for either.
 */
/**
 * 10,000-token generations (vocabulary 32,000, greedy, one scripted token per step) whose decode or stops
 * stress the holdbacks, each timed whole in paired rounds against a plain one: tokens that decode to U+FFFD,
 * tokens that decode to "", and text that follows a 100,000-character stop string's prefix all the way.
 */
async function generations() {
  const V = 32000,
    N = 10_000;
  const words = Array.from({ length: V }, (_, i) => ` w${i}`);
  const kinds = {
    plain: { decode: (ids) => ids.map((i) => words[i]).join("") },
    "U+FFFD tokens": { decode: (ids) => "\uFFFD".repeat(ids.length) },
    '"" tokens': { decode: () => "" },
    "100,000-character stop": {
      decode: (ids) => "ab".repeat(ids.length),
      stop: [`${"ab".repeat(50_000)}!`],
    },
  };
  const sampler = await createSampler({ vocabSize: V, temperature: 0 });
  const run = (o) => () => {
    const g = sampler.generation({ ...o, maxNewTokens: N });
    const l = sampler.logits;
    let last = 0;
    for (let i = 0; !g.done; i++) {
      l[last] = 0;
      last = (i * 7) % V;
      l[last] = 10;
      g.step();
    }
    l[last] = 0;
  };
  const names = Object.keys(kinds);
  const fns = names.map((k) => run(kinds[k]));
  const times = (f) => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  for (const f of fns) f(); // warm up
  const per = names.map(() => []);
  for (let r = 0; r < (QUICK ? 5 : 9); r++) fns.forEach((f, i) => per[i].push(times(f)));
  const med = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  const ratio = (i) => med(per[i].map((t, r) => t / per[0][r]));
  return names.map((name, i) => ({ name, ms: med(per[i]), vsPlain: ratio(i) }));
}

async function warmUp() {
  const vocab = 32000,
    logits = syntheticLogits(vocab);
  const ex = await baselineEngine(logits);
  const samplers = await Promise.all(
    SCENARIOS.map(async (sc) => {
      const s = await createSampler({ vocabSize: vocab, seed: 1, ...optionsFor(sc, vocab) });
      s.logits.set(logits);
      return [s, sc.context];
    }),
  );
  const end = performance.now() + (QUICK ? 1500 : 3000);
  while (performance.now() < end) {
    for (const [s, ctx] of samplers) for (let i = 0; i < 20; i++) s.sample(undefined, ctx);
    const mx = ex.baselineMax((vocab + 31) & ~31);
    ex.baselineExpSum((vocab + 31) & ~31, mx);
  }
}

/** The speculative table alone (`--speculative`), for work on verifyDraft. */
async function speculativeOnly() {
  await warmUp();
  const spec = await speculative();
  console.log(`\n${os.cpus()[0]?.model}, Node ${process.version}\n`);
  console.log(
    "| vocab | k | draft rows us | x (k + 1) | x (2k + 1) | draftLogprobs us | x (k + 1) | greedy, ids only us | x (k + 1) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const x of spec)
    console.log(
      `| ${x.vocab} | ${x.k} | ${x.rowsUs.toFixed(0)} | ${x.vsK1.toFixed(2)} | ${x.vs2k1.toFixed(2)} | ${x.lpUs.toFixed(0)} | ${x.lpVsK1.toFixed(2)} | ${x.idsUs.toFixed(0)} | ${x.idsVsK1.toFixed(2)} |`,
    );
}

async function main() {
  if (args.has("--speculative")) return speculativeOnly();
  await warmUp();
  const rows = [];
  const beams = [];
  const copies = [];
  for (const vocab of VOCABS) {
    const logits = syntheticLogits(vocab);
    const ex = await baselineEngine(logits);
    const vpad = (vocab + 31) & ~31;
    let mx = 0;
    const pmax = measure(() => {
      mx = ex.baselineMax(vpad);
    });
    const expSum = measure(() => ex.baselineExpSum(vpad, mx));
    const r = rng(7);
    const jsSort = measure(() => jsSortSampler(logits, 1, r), QUICK ? 300 : 1500);
    for (const sc of SCENARIOS) {
      const s = await createSampler({ vocabSize: vocab, seed: 1, ...optionsFor(sc, vocab) });
      s.logits.set(logits);
      const ctx = sc.context;
      const {
        times: [us, pm, es],
        ratios: [vsPmax, vsPmaxPlusExp],
      } = paired(
        [
          () => s.sample(undefined, ctx),
          () => {
            mx = ex.baselineMax(vpad);
          },
          () => ex.baselineExpSum(vpad, mx),
        ],
        [(t) => t[0] / t[1], (t) => t[0] / (t[1] + t[2])],
      );
      rows.push({
        vocab,
        scenario: sc.name,
        us,
        pmaxUs: pm,
        expSumUs: es,
        jsSortUs: jsSort,
        vsPmax,
        vsPmaxPlusExp,
        jsSortSpeedup: jsSort / us,
      });
    }
    // sample(logits) from a JavaScript array against the copy plus the zero-copy call
    for (const name of ["greedy", "temperature 0.8"]) {
      const sc = SCENARIOS.find((x) => x.name === name);
      const s = await createSampler({ vocabSize: vocab, seed: 1, ...optionsFor(sc, vocab) });
      const {
        ratios: [ratio],
      } = paired(
        [
          () => s.sample(logits),
          () => {
            s.logits.set(logits);
            s.sample();
          },
        ],
        [(t) => t[0] / t[1]],
      );
      copies.push({ vocab, scenario: name, ratio });
    }
    if (vocab === 32000 || vocab === 151936) {
      for (const numBeams of [4, 8]) {
        const { us, vsExpSum, vsFreshExpSum } = await beamStep(vocab, numBeams, logits);
        beams.push({ vocab, numBeams, us, vsExpSum, vsFreshExpSum });
      }
    }
    process.stderr.write(
      `vocab ${vocab}: pmax ${pmax.toFixed(1)} us, exp-sum ${expSum.toFixed(1)} us, JS sort ${(jsSort / 1000).toFixed(1)} ms\n`,
    );
  }
  const spec = await speculative();
  const gens = await generations();
  const alloc = await allocations();
  const batch = await batchCost();
  const targets = [];
  const target = (name, value, limit, unit, ok) => targets.push({ name, value, limit, unit, met: ok });
  const EXP_BOUND = [
    "temperature 0.8",
    "topP 0.95",
    "typicalP 0.9",
    "etaCutoff 3e-4",
    "dynamic temperature",
    "mirostat v2",
    "DRY 0.8 (256 context)",
  ];
  for (const vocab of VOCABS) {
    const at = (sc) => rows.find((r) => r.vocab === vocab && r.scenario === sc);
    target(`greedy <= 1.5x pmax @${vocab}`, at("greedy").vsPmax, 1.5, "x", at("greedy").vsPmax <= 1.5);
    for (const sc of ["topK 40", "minP 0.05", "full chain"])
      target(`${sc} <= 3x pmax @${vocab}`, at(sc).vsPmax, 3, "x", at(sc).vsPmax <= 3);
    for (const sc of EXP_BOUND) {
      target(`${sc} <= 1.2x (pmax + exp-sum) @${vocab}`, at(sc).vsPmaxPlusExp, 1.2, "x", at(sc).vsPmaxPlusExp <= 1.2);
    }
  }
  for (const c of copies)
    target(`sample(logits) vs copy + sample() @${c.vocab}, ${c.scenario}`, c.ratio, 1.1, "x", c.ratio <= 1.1);
  const slowest = rows
    .filter((r) => r.vocab === 128256)
    .reduce((a, b) => (a.jsSortSpeedup < b.jsSortSpeedup ? a : b), { jsSortSpeedup: Infinity });
  if (slowest.scenario)
    target(
      `>= 100x faster than JS sort @128256 (slowest: ${slowest.scenario})`,
      slowest.jsSortSpeedup,
      100,
      "x",
      slowest.jsSortSpeedup >= 100,
    );
  target(
    `JS heap growth over ${alloc.calls} sample()`,
    alloc.sampleHeapBytes,
    0,
    "bytes",
    alloc.gcExposed && alloc.sampleHeapBytes <= 64 * 1024,
  );
  target(
    `JS heap growth over ${alloc.calls} Generation.step()`,
    alloc.stepHeapBytes,
    0,
    "bytes",
    alloc.gcExposed && alloc.stepHeapBytes <= 64 * 1024,
  );
  target("wasm memory growth over both", alloc.wasmGrowthBytes, 0, "bytes", alloc.wasmGrowthBytes === 0);
  target("sampleBatch 32 rows @32000: per row vs sample()", batch.ratio, 1.2, "x", batch.ratio <= 1.2);
  for (const g of gens.slice(1))
    target(`10,000-token generation, ${g.name}, vs plain`, g.vsPlain, 2, "x", g.vsPlain <= 2);
  const b8 = beams.find((b) => b.vocab === 151936 && b.numBeams === 8);
  if (b8) target("beam step, 8 beams @151936, vs exp-sum over the rows", b8.vsExpSum, 1.15, "x", b8.vsExpSum <= 1.15);

  for (const x of spec) {
    const at = `k=${x.k} @${x.vocab}`;
    target(`verifyDraft ${at}, draft rows, vs 2k + 1 sample()`, x.vs2k1, 1.3, "x", x.vs2k1 <= 1.3);
    target(`verifyDraft ${at}, draftLogprobs, vs k + 1 sample()`, x.lpVsK1, 1.3, "x", x.lpVsK1 <= 1.3);
    target(`verifyDraft ${at}, greedy, ids only, vs k + 1 sample()`, x.idsVsK1, 1.3, "x", x.idsVsK1 <= 1.3);
  }

  const machine = `${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}`;
  if (args.has("--json")) {
    writeFileSync(
      new URL("./results.json", import.meta.url),
      JSON.stringify(
        {
          machine,
          date: new Date().toISOString(),
          rows,
          beams,
          speculative: spec,
          generations: gens,
          allocations: alloc,
          batch,
          targets,
        },
        null,
        2,
      ),
    );
  }
  console.log(`\nllm-sampler benchmark: ${machine}`);
  console.log("median us per sample(); ratios: medians over paired rounds against baselines timed back to back\n");
  console.log("| vocab | scenario | us | x pmax pass | x (pmax + exp-sum) | faster than JS sort |");
  console.log("|---:|---|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.vocab} | ${r.scenario} | ${r.us.toFixed(1)} | ${r.vsPmax.toFixed(2)} | ${r.vsPmaxPlusExp.toFixed(2)} | ${Math.round(r.jsSortSpeedup)}x |`,
    );
  }
  console.log(
    "\nBeam search: median us per step with numBeams live rows, against one exp-and-sum pass over those rows (timed in a loop, and once per write of the rows as the step sees them)\n",
  );
  console.log("| vocab | numBeams | us per step | x exp-sum over the rows | x exp-sum over rows just written |");
  console.log("|---:|---:|---:|---:|---:|");
  for (const b of beams)
    console.log(
      `| ${b.vocab} | ${b.numBeams} | ${b.us.toFixed(0)} | ${b.vsExpSum.toFixed(2)} | ${b.vsFreshExpSum.toFixed(2)} |`,
    );
  console.log(
    "\nSpeculative verification, every draft token accepted: median us per verifyDraft call; ratios to k + 1 (or 2k + 1) sample(row) calls\n",
  );
  console.log(
    "| vocab | k | draft rows us | x (k + 1) | x (2k + 1) | draftLogprobs us | x (k + 1) | greedy, ids only us | x (k + 1) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const x of spec)
    console.log(
      `| ${x.vocab} | ${x.k} | ${x.rowsUs.toFixed(0)} | ${x.vsK1.toFixed(2)} | ${x.vs2k1.toFixed(2)} | ${x.lpUs.toFixed(0)} | ${x.lpVsK1.toFixed(2)} | ${x.idsUs.toFixed(0)} | ${x.idsVsK1.toFixed(2)} |`,
    );
  console.log(
    "\nGenerations of 10,000 tokens (vocabulary 32,000, greedy), whole (creation included), in paired rounds against a plain one\n",
  );
  console.log("| generation | ms | x plain |");
  console.log("|---|---:|---:|");
  for (const g of gens) console.log(`| ${g.name} | ${g.ms.toFixed(1)} | ${g.vsPlain.toFixed(2)} |`);
  console.log(
    "\nTargets (heap growth is measured after a full GC; within 64 KiB counts as none: V8's own bookkeeping)\n",
  );
  console.log("| target | measured | met |");
  console.log("|---|---:|:---:|");
  for (const t of targets) {
    const v = t.unit === "bytes" ? `${Math.round(t.value)} B` : `${t.value.toFixed(2)}x`;
    console.log(`| ${t.name} | ${v} | ${t.met ? "yes" : "NO"} |`);
  }
  if (!alloc.gcExposed) console.log("(run with node --expose-gc, as npm run bench does, to measure heap growth)");
  console.log(
    `\nsampleBatch 32 rows @32000: ${batch.perRowBatchUs.toFixed(1)} us per row, sample(row): ${batch.perRowSingleUs.toFixed(1)} us`,
  );
  console.log("\nBaselines (medians of the per-scenario measurements):\n");
  console.log("| vocab | pmax pass us | exp-sum pass us | JS sort sampler us |");
  console.log("|---:|---:|---:|---:|");
  for (const vocab of VOCABS) {
    const r = rows.filter((x) => x.vocab === vocab);
    const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
    console.log(
      `| ${vocab} | ${med(r.map((x) => x.pmaxUs)).toFixed(1)} | ${med(r.map((x) => x.expSumUs)).toFixed(1)} | ${r[0].jsSortUs.toFixed(0)} |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
