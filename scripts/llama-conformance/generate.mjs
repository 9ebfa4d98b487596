// Generates test/data/llama-conformance.json: random sampler chains run through llama.cpp's own sampler
// code, whose final distributions test/llama-conformance.test.ts compares with probs() under
// order "llama.cpp". Run once by hand (it needs g++ and the llama.cpp source); the vectors are committed.
//
//   node scripts/llama-conformance/generate.mjs [path/to/llama.cpp]
//
// Without a path it takes the llama.cpp source that the node-llama-cpp npm package bundles
// (llama/gitRelease.bundle), into .cache/llama-conformance/. Only src/llama-sampler.cpp is compiled, with
// harness.cpp; what else of libllama it names is never reached by these samplers and is left unresolved.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { caseLogits, mulberry32 } from "./cases.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const NODE_LLAMA_CPP = "3.22.1";
const CASES = 400;
const SEED = 20261130;

function llamaSource() {
  if (process.argv[2]) return { dir: resolve(process.argv[2]), from: process.argv[2] };
  const cache = join(root, ".cache/llama-conformance");
  const dir = join(cache, "llama.cpp");
  if (!existsSync(join(dir, "src/llama-sampler.cpp"))) {
    mkdirSync(cache, { recursive: true });
    const tgz = execFileSync("npm", ["pack", `node-llama-cpp@${NODE_LLAMA_CPP}`, "--silent"], {
      cwd: cache,
      encoding: "utf8",
    }).trim();
    execFileSync("tar", ["xzf", tgz, "package/llama/gitRelease.bundle"], { cwd: cache });
    execFileSync("git", ["clone", "-q", "package/llama/gitRelease.bundle", "llama.cpp"], { cwd: cache });
  }
  return { dir, from: `the llama.cpp source bundled in node-llama-cpp ${NODE_LLAMA_CPP}` };
}

/** One random chain: options in llm-sampler's names, and the same numbers for the harness. */
function randomCase(r, index) {
  const sizes = [4, 8, 16, 32, 64, 100, 300, 1000, 5000, 40000];
  const vocab = sizes[Math.floor(r() * r() * sizes.length)];
  const pick = (p, f) => (r() < p ? f() : undefined);
  const within = (lo, hi) => Math.fround(lo + (hi - lo) * r());
  const o = {};
  const bias = [];
  const nb = Math.floor(r() * 4);
  for (let i = 0; i < nb; i++) {
    const t = Math.floor(r() * Math.min(vocab, 24));
    if (bias.some(([u]) => u === t)) continue;
    bias.push([t, r() < 0.35 ? -Infinity : within(-3, 3)]);
  }
  const context = Array.from({ length: Math.floor(r() * 30) }, () => Math.floor(r() * Math.min(vocab, 20)));
  o.repetitionPenalty = pick(0.3, () => within(0.8, 1.6));
  o.frequencyPenalty = pick(0.3, () => within(-0.5, 1));
  o.presencePenalty = pick(0.3, () => within(-0.5, 1));
  o.penaltyLastN = pick(0.5, () => 1 + Math.floor(r() * 40));
  o.topNSigma = pick(0.25, () => within(0.5, 3));
  o.topK = pick(0.4, () => 1 + Math.floor(r() * 60));
  // llama.cpp's typical turns NaN when a candidate has p = 0 (its entropy term is -p log p): only where
  // no token is -inf, so without -inf biases and top-n-sigma's masking
  if (!bias.some(([, b]) => b === -Infinity) && o.topNSigma === undefined)
    o.typicalP = pick(0.3, () => within(0.2, 0.99));
  o.topP = pick(0.4, () => within(0.3, 0.99));
  o.minP = pick(0.4, () => (r() < 0.15 ? Math.fround(1.05) : within(0.01, 0.5)));
  const xtc = pick(0.3, () => within(0.05, 0.5));
  if (xtc !== undefined) o.xtc = { probability: 1, threshold: xtc };
  o.temperature = r() < 0.15 ? 0 : pick(0.6, () => within(0.3, 2));
  const dyn = pick(0.3, () => ({ range: within(0.2, 1.5), exponent: within(0.5, 2) }));
  if (dyn) o.dynamicTemperature = dyn;
  o.minTokensToKeep = pick(0.4, () => 1 + Math.floor(r() * 5));
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return { index, vocab, logitsSeed: Math.floor(r() * 2 ** 31), context, logitBias: bias, options: o };
}

function harnessInput(cases) {
  const out = [String(cases.length)];
  for (const c of cases) {
    const o = c.options;
    const num = (x) => (x === -Infinity ? "-1e30" : String(x));
    out.push(String(c.vocab), Array.from(caseLogits(c.vocab, c.logitsSeed), num).join(" "));
    out.push(String(c.context.length), c.context.join(" "));
    out.push(String(c.logitBias.length), c.logitBias.map(([t, b]) => `${t} ${num(b)}`).join(" "));
    out.push(
      [
        o.penaltyLastN ?? 64,
        o.repetitionPenalty ?? 1,
        o.frequencyPenalty ?? 0,
        o.presencePenalty ?? 0,
        o.topNSigma ?? 0,
        o.topK ?? 0,
        o.typicalP ?? 1,
        o.topP ?? 1,
        o.minP ?? 0,
        o.xtc?.threshold ?? 0,
        o.temperature ?? 1,
        o.dynamicTemperature?.range ?? 0,
        o.dynamicTemperature?.exponent ?? 1,
        o.minTokensToKeep ?? 1,
      ]
        .map(num)
        .join(" "),
    );
  }
  return `${out.join("\n")}\n`;
}

const src = llamaSource();
const build = join(root, ".cache/llama-conformance");
mkdirSync(build, { recursive: true });
const exe = join(build, "harness");
execFileSync(
  "g++",
  [
    "-std=c++17",
    "-O1",
    "-fno-pie",
    "-no-pie",
    `-I${src.dir}/include`,
    `-I${src.dir}/ggml/include`,
    `-I${src.dir}/src`,
    join(src.dir, "src/llama-sampler.cpp"),
    join(here, "harness.cpp"),
    "-o",
    exe,
    "-Wl,--unresolved-symbols=ignore-all",
  ],
  { stdio: "inherit" },
);
const r = mulberry32(SEED);
const cases = Array.from({ length: CASES }, (_, i) => randomCase(r, i));
const printed = execFileSync(exe, { input: harnessInput(cases), encoding: "utf8", maxBuffer: 1 << 28 });
const probs = JSON.parse(printed);
const commit = execFileSync("git", ["log", "-1", "--format=%H %cs"], { cwd: src.dir, encoding: "utf8" }).trim();
const out = {
  source: `${src.from}, commit ${commit} (src/llama-sampler.cpp), run by scripts/llama-conformance/harness.cpp`,
  seed: SEED,
  cases: cases.map((c, i) => ({
    ...c,
    logitBias: c.logitBias.map(([t, b]) => [t, b === -Infinity ? "-Infinity" : b]),
    expected: Array.from(probs[i], (p, t) => [t, p]).filter(([, p]) => p !== 0),
  })),
};
mkdirSync(join(root, "test/data"), { recursive: true });
writeFileSync(join(root, "test/data/llama-conformance.json"), `${JSON.stringify(out)}\n`);
console.log(`${cases.length} cases from ${out.source}`);
