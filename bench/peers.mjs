// npm run bench:peers [-- --quick]: llm-sampler beside its peers on the same synthetic logits, at 32,000 and
// 151,936 tokens: (a) transformers.js's sampling path exactly as its generate() runs it per step (the model
// output sliced to the last position, its LogitsProcessorList, then LogitsSampler.getSampler's sampler), in
// this process, in paired rounds with llm-sampler's sample(logits, context); (b) llama.cpp's native sampler
// chains (src/llama-sampler.cpp from the source node-llama-cpp bundles, built with cmake and the system C++
// compiler; bench/peers/llama-bench.cpp fills the candidate array and applies the chain per call, as
// llama_sampler_sample does), in its own process right after. The peers are installed on demand into
// .cache/peers (transformers.js without its install scripts; it pulls onnxruntime-node, about 475 MB), unless
// node_modules holds the same transformers.js version (the devDependency of llm-sampler/transformers' tests).
// transformers.js's generate() applies no top-p and no min-p (its source says TODO; its TopPLogitsWarper
// has no _call): those rows say so, and its full chain is repetition penalty + temperature + top-k.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createSampler } from "../dist/index.js";
import { context256 } from "./scenarios.mjs";
import { syntheticLogits } from "./synthetic.mjs";

const QUICK = process.argv.includes("--quick");
const root = fileURLToPath(new URL("..", import.meta.url));
const cache = join(root, ".cache", "peers");
const TRANSFORMERS = "4.3.2";
const NODE_LLAMA_CPP = "3.22.1";
const ROUNDS = QUICK ? 5 : 11;
const MS = QUICK ? 60 : 150;

const SCENARIOS = [
  { name: "greedy", ours: { temperature: 0 }, hf: { do_sample: false } },
  { name: "temperature 1", ours: {}, hf: { do_sample: true, temperature: 1, top_k: 0 } },
  {
    name: "temperature 0.8 + topK 40",
    ours: { temperature: 0.8, topK: 40 },
    hf: { do_sample: true, temperature: 0.8, top_k: 40 },
  },
  { name: "topP 0.95", ours: { topP: 0.95 }, hf: null },
  { name: "minP 0.05", ours: { minP: 0.05 }, hf: null },
  {
    name: "full chain",
    ours: { repetitionPenalty: 1.1, penaltyLastN: 64, temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05 },
    hf: { do_sample: true, repetition_penalty: 1.1, temperature: 0.8, top_k: 40 },
    context: context256,
  },
];

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
}

function has(cmd) {
  try {
    sh(cmd, ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * transformers.js's src/ modules: the devDependency's (the same version, for llm-sampler/transformers' tests),
 * else installed into the cache on first use.
 */
async function transformersJs() {
  const dir = join(cache, "transformers");
  const local = join(root, "node_modules", "@huggingface", "transformers");
  const localVersion = existsSync(join(local, "package.json"))
    ? JSON.parse(readFileSync(join(local, "package.json"), "utf8")).version
    : null;
  const pkg = localVersion === TRANSFORMERS ? local : join(dir, "node_modules", "@huggingface", "transformers");
  if (!existsSync(join(pkg, "package.json"))) {
    process.stderr.write(`installing @huggingface/transformers@${TRANSFORMERS} into ${dir} (once)...\n`);
    mkdirSync(dir, { recursive: true });
    sh("npm", [
      "install",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--prefix",
      dir,
      `@huggingface/transformers@${TRANSFORMERS}`,
    ]);
  }
  const src = (f) => import(pathToFileURL(join(pkg, "src", f)).href);
  const [{ Tensor }, lp, { LogitsSampler }, { GenerationConfig }] = await Promise.all([
    src("utils/tensor.js"),
    src("generation/logits_process.js"),
    src("generation/logits_sampler.js"),
    src("generation/configuration_utils.js"),
  ]);
  return { Tensor, ...lp, LogitsSampler, GenerationConfig };
}

/**
 * One step of transformers.js's generate() for a GenerationConfig: what models/modeling_utils.js builds in
 * _get_logits_processor (the processors these options enable) and runs per step.
 */
function hfStep(T, options, vocab, context) {
  const cfg = new T.GenerationConfig(options);
  const processors = new T.LogitsProcessorList();
  if (cfg.repetition_penalty !== null && cfg.repetition_penalty !== 1.0)
    processors.push(new T.RepetitionPenaltyLogitsProcessor(cfg.repetition_penalty));
  if (cfg.do_sample && cfg.temperature !== null && cfg.temperature !== 1.0)
    processors.push(new T.TemperatureLogitsWarper(cfg.temperature));
  const sampler = T.LogitsSampler.getSampler(cfg);
  const inputIds = [(context ?? [1]).map((t) => BigInt(t))];
  return async (data) => {
    const output = new T.Tensor("float32", data, [1, 1, vocab]); // the model's logits, one position
    const logits = output.slice(null, -1, null).to("float32");
    const scores = processors(inputIds, logits);
    const [[token]] = await sampler(scores[0]);
    return token;
  };
}

/** Median us per call of each async function, in paired rounds; returns the medians and the median ratio. */
async function paired(a, b) {
  const time = async (f) => {
    const t = [];
    const end = performance.now() + MS;
    while (performance.now() < end || t.length < 3) {
      const s = performance.now();
      await f();
      t.push((performance.now() - s) * 1000);
    }
    t.sort((x, y) => x - y);
    return t[t.length >> 1];
  };
  for (let i = 0; i < 3; i++) {
    await a();
    await b();
  }
  const ta = [],
    tb = [],
    r = [];
  for (let k = 0; k < ROUNDS; k++) {
    const x = await time(a),
      y = await time(b);
    ta.push(x);
    tb.push(y);
    r.push(y / x);
  }
  const med = (xs) => xs.sort((p, q) => p - q)[xs.length >> 1];
  return { a: med(ta), b: med(tb), ratio: med(r) };
}

/** llama.cpp's sampler chains, built once with cmake; null (and a message) where that cannot happen. */
function llamaBench() {
  if (!has("cmake") || !(has("c++") || has("g++"))) {
    process.stderr.write("llama.cpp: skipped (needs cmake and a C++ compiler: apt-get install -y cmake g++)\n");
    return null;
  }
  const srcDir = join(cache, "llama.cpp");
  if (!existsSync(join(srcDir, "src", "llama-sampler.cpp"))) {
    process.stderr.write(`fetching the llama.cpp source bundled in node-llama-cpp@${NODE_LLAMA_CPP} (once)...\n`);
    mkdirSync(cache, { recursive: true });
    const tgz = sh("npm", ["pack", `node-llama-cpp@${NODE_LLAMA_CPP}`, "--silent"], { cwd: cache }).trim();
    sh("tar", ["xzf", tgz, "package/llama/gitRelease.bundle"], { cwd: cache });
    sh("git", ["clone", "-q", "package/llama/gitRelease.bundle", "llama.cpp"], { cwd: cache });
  }
  const build = join(cache, "llama-bench");
  const exe = join(build, "build", "llama-bench");
  if (!existsSync(exe)) {
    mkdirSync(build, { recursive: true });
    // only src/llama-sampler.cpp of libllama: what else it names is never reached by these chains
    writeFileSync(
      join(build, "CMakeLists.txt"),
      `cmake_minimum_required(VERSION 3.14)
project(llama_bench CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_POSITION_INDEPENDENT_CODE OFF)
add_executable(llama-bench ${join(root, "bench", "peers", "llama-bench.cpp")} ${join(srcDir, "src", "llama-sampler.cpp")})
target_include_directories(llama-bench PRIVATE ${srcDir}/include ${srcDir}/ggml/include ${srcDir}/src)
target_compile_options(llama-bench PRIVATE -O3 -fno-pie)
target_link_options(llama-bench PRIVATE -no-pie -Wl,--unresolved-symbols=ignore-all)
`,
    );
    sh("cmake", ["-S", build, "-B", join(build, "build"), "-DCMAKE_BUILD_TYPE=Release"]);
    sh("cmake", ["--build", join(build, "build"), "-j", "2"]);
  }
  const commit = sh("git", ["log", "-1", "--format=%h %cs"], { cwd: srcDir }).trim();
  return { exe, commit };
}

async function main() {
  const T = await transformersJs();
  const llama = llamaBench();
  const rows = [];
  for (const vocab of [32000, 151936]) {
    const logits = syntheticLogits(vocab);
    let native = null;
    if (llama) {
      const file = join(cache, `logits-${vocab}.f32`);
      writeFileSync(file, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength));
      native = JSON.parse(sh(llama.exe, [file, String(ROUNDS), String(MS)]));
    }
    for (const sc of SCENARIOS) {
      const s = await createSampler({ vocabSize: vocab, seed: 1, ...sc.ours });
      const ours = () => s.sample(logits, sc.context);
      let ourUs,
        hfUs = null,
        hfRatio = null;
      if (sc.hf) {
        const step = hfStep(T, sc.hf, vocab, sc.context);
        const data = logits.slice();
        const r = await paired(ours, () => {
          data.set(logits); // the model writes new logits each step (the processors change them in place)
          return step(data);
        });
        ourUs = r.a;
        hfUs = r.b;
        hfRatio = r.ratio;
      } else {
        ourUs = (await paired(ours, ours)).a;
      }
      const llamaUs = native ? native[sc.name] : null;
      rows.push({
        vocab,
        scenario: sc.name,
        ourUs,
        hfUs,
        hfRatio,
        llamaUs,
        llamaRatio: llamaUs ? llamaUs / ourUs : null,
      });
      process.stderr.write(`${vocab} ${sc.name}: ${ourUs.toFixed(1)} us\n`);
    }
  }
  const machine = `${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}`;
  console.log(`\nllm-sampler and its peers: ${machine}`);
  console.log(
    `transformers.js ${TRANSFORMERS} (its generate()'s per-step path, paired rounds in this process); llama.cpp ${llama ? llama.commit : "(skipped)"} from node-llama-cpp ${NODE_LLAMA_CPP} (native, -O3, its own process)\n`,
  );
  console.log("| vocab | scenario | llm-sampler us | transformers.js us | x slower | llama.cpp us | x slower |");
  console.log("|---:|---|---:|---:|---:|---:|---:|");
  const f = (x, d = 1) => (x === null ? "n/a" : x.toFixed(d));
  for (const r of rows) {
    const hf = r.hfUs === null ? "no such option in generate()" : f(r.hfUs, 0);
    console.log(
      `| ${r.vocab} | ${r.scenario} | ${f(r.ourUs)} | ${hf} | ${r.hfRatio === null ? "" : `${f(r.hfRatio)}x`} | ${f(r.llamaUs)} | ${r.llamaRatio === null ? "" : `${f(r.llamaRatio)}x`} |`,
    );
  }
  writeFileSync(
    join(root, "bench", "peers.json"),
    JSON.stringify({ machine, date: new Date().toISOString(), rows }, null, 2),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
