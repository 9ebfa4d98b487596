import { createSampler } from "./dist/index.js";
import { syntheticLogits } from "./bench/synthetic.mjs";
const V = 151936; const x = syntheticLogits(V, 1);
let mx = -Infinity; for (const v of x) mx = Math.max(mx, v);
let z = 0, m = 0; for (const v of x) { const w = Math.exp(v - mx); z += w; m += w * (v - mx); }
const lz = Math.log(z), H = lz - m / z, xs = mx + (lz - H);
console.log({ mx, lz, H, xs, "mx-xs": mx - xs });
const s = await createSampler({ vocabSize: V, typicalP: 0.9 });
const p = s.probs(x); let lo = Infinity, hi = -Infinity, k = 0;
for (let i = 0; i < V; i++) if (p[i] > 0) { k++; lo = Math.min(lo, x[i]); hi = Math.max(hi, x[i]); }
console.log({ k, lo, hi, "r-": xs - lo, "r+": hi - xs });
let c = 0; for (const v of x) if (v >= xs - 3) c++; console.log("tokens >= xs-3:", c);
