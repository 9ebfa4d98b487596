import { createSampler } from "./dist/index.js";
import { syntheticLogits } from "./bench/synthetic.mjs";
for (const V of [32000, 151936]) {
  const logits = syntheticLogits(V, 1);
  for (const [name, o] of [["typical 0.9", { typicalP: 0.9 }], ["typical 0.5", { typicalP: 0.5 }], ["temp 1", {}], ["typical 0.9 minKeep 50", { typicalP: 0.9, minTokensToKeep: 50 }]]) {
    const s = await createSampler({ vocabSize: V, seed: 1, ...o });
    s.logits.set(logits);
    for (let i = 0; i < 200; i++) s.sample();
    const t0 = performance.now(); const N = 500;
    for (let i = 0; i < N; i++) s.sample();
    const p = s.probs(logits); let kept = 0; for (const x of p) if (x > 0) kept++;
    console.log(V, name, ((performance.now() - t0) * 1000 / N).toFixed(1), "us", "kept", kept);
  }
}
