// The benchmark's scenarios, shared by bench/run.mjs (all of them) and bench/portable.mjs (the core six:
// CORE_SCENARIOS). The full chain is the engine issue's: repetition penalty over a 256-token context,
// temperature 0.8, topK 40, topP 0.95, minP 0.05.
export const context256 = Array.from({ length: 256 }, (_, i) => (i * 7919) % 5000);

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
  // the llama.cpp-family samplers
  { name: "DRY 0.8 (256 context)", options: { dry: { multiplier: 0.8 } }, context: context256 },
  { name: "minP 0.05 + XTC 0.5", options: { minP: 0.05, xtc: { probability: 0.5, threshold: 0.1 } } },
  { name: "dynamic temperature", options: { minP: 0.05, dynamicTemperature: { range: 0.5 } } },
  { name: "mirostat v2", options: { mirostat: { version: 2, tau: 5, eta: 0.1 } } },
  // the other exp-bound transforms (each needs the normaliser, and typical and eta the entropy)
  { name: "typicalP 0.9", options: { typicalP: 0.9 } },
  { name: "etaCutoff 3e-4", options: { etaCutoff: 3e-4 } },
  // a grammar's allowed-token mask (5 tokens in 7 allowed, scattered): the engine draws from a masked copy
  { name: "greedy + allowed-token mask", options: (vocab) => ({ temperature: 0, allowedTokens: mask57(vocab) }) },
  {
    name: "temperature 0.8 + allowed-token mask",
    options: (vocab) => ({ temperature: 0.8, allowedTokens: mask57(vocab) }),
  },
];

/** An allowed-token bitmask with 5 tokens in 7 allowed, scattered by a multiplicative hash. */
function mask57(vocab) {
  const m = new Uint32Array(Math.ceil(vocab / 32));
  for (let i = 0; i < vocab; i++) if ((Math.imul(i, 2654435761) >>> 0) % 7 < 5) m[i >>> 5] |= 1 << (i & 31);
  return m;
}

/** A scenario's sampler options for a vocabulary size. */
export const optionsFor = (sc, vocab) => (typeof sc.options === "function" ? sc.options(vocab) : sc.options);

/** The scenarios before the llama.cpp-family ones: what bench:runtimes compares across runtimes. */
export const CORE_SCENARIOS = SCENARIOS.slice(0, 6);
