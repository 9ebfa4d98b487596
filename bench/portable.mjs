// The cross-runtime benchmark payload: bundled by test/runtimes/harness.mjs and run unchanged in Node, Deno,
// Bun, headless Chromium and workerd by bench/runtimes.mjs (`npm run bench:runtimes`). main() resolves to
// median microseconds per call for each scenario and vocabulary size, plus the cold instantiate time.
//
// Timing: each sample is a batch of calls lasting at least BATCH_MS, since some runtimes coarsen their
// clocks (workerd to 1 ms, browsers to 0.1 ms or more); the median over the batches of a cell is reported.
import { createSampler, createBeamSearch } from "llm-sampler";
import { syntheticLogits } from "./synthetic.mjs";
import { CORE_SCENARIOS as SCENARIOS } from "./scenarios.mjs";

export const VOCABS = [32000, 151936];
const BATCH_MS = 12;
const CELL_MS = 300;

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median microseconds per fn() call. */
function measure(fn) {
  for (let i = 0; i < 5; i++) fn();
  let batch = 1;
  for (;;) {
    // grow the batch until it lasts BATCH_MS
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= BATCH_MS || batch >= 1 << 20) break;
    batch *= dt > 0 ? Math.min(16, Math.max(2, Math.ceil(BATCH_MS / dt))) : 16;
  }
  const times = [];
  const end = performance.now() + CELL_MS;
  while (performance.now() < end || times.length < 7) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    times.push(((performance.now() - t0) * 1000) / batch);
  }
  return median(times);
}

/**
 * Median microseconds per beam-search step with numBeams live rows. Each timed batch runs 32 steps on each
 * of `k` searches created beforehand (untimed), so token histories stay short and the batch is long enough.
 */
async function beamStep(vocab, logits, numBeams) {
  const rows = new Float32Array(numBeams * vocab);
  for (let r = 0; r < numBeams; r++) rows.set(logits, r * vocab);
  for (let r = 0; r < numBeams; r++) rows[r * vocab] = -1e9; // token 0 is EOS: never chosen, nothing finishes
  const fresh = (k) =>
    Promise.all(
      Array.from({ length: k }, () =>
        createBeamSearch({ vocabSize: vocab, numBeams, maxNewTokens: 64, eosTokenId: 0 }),
      ),
    );
  const run = (searches) => {
    for (const b of searches) for (let i = 0; i < 32; i++) b.step(rows.subarray(0, b.sequences.length * vocab));
  };
  let k = 1;
  for (;;) {
    const s = await fresh(k);
    const t0 = performance.now();
    run(s);
    const dt = performance.now() - t0;
    if (dt >= BATCH_MS || k >= 256) break;
    k *= 2;
  }
  const times = [];
  const end = performance.now() + CELL_MS;
  while (performance.now() < end || times.length < 7) {
    const s = await fresh(k);
    const t0 = performance.now();
    run(s);
    times.push(((performance.now() - t0) * 1000) / (32 * k));
  }
  return median(times);
}

export async function main() {
  const t0 = performance.now();
  await createSampler({ vocabSize: 16 });
  const coldInstantiateMs = performance.now() - t0;
  const rows = [];
  for (const vocab of VOCABS) {
    const logits = syntheticLogits(vocab);
    for (const sc of SCENARIOS) {
      const s = await createSampler({ vocabSize: vocab, seed: 1, ...sc.options });
      s.logits.set(logits);
      rows.push({ scenario: sc.name, vocab, us: measure(() => s.sample(undefined, sc.context)) });
    }
    rows.push({ scenario: "beam step, 4 beams", vocab, us: await beamStep(vocab, logits, 4) });
  }
  return { coldInstantiateMs, rows };
}
