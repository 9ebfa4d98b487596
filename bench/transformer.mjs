// npm run bench:transformer [-- --quick]: the per-token time of a real decode loop, split into the model's
// forward pass and sampling. models/tiny-kjv (1.07 M parameters, 2,048 tokens) run by transformers.js 4.3.2 on
// onnxruntime-node with its key-value cache: llm-sampler/transformers' generate() (which times both parts of
// every step) beside transformers.js's own generate() on the same model and prompt, in paired rounds (medians).
// Then the sampling part alone on the logits those runs saw: Generation.step() without text, and with the
// tokenizer's decode that the streaming text needs.
import os from "node:os";
import { AutoModelForCausalLM, AutoTokenizer, env } from "@huggingface/transformers";
import { createSampler } from "../dist/index.js";
import { generate } from "../dist/transformers.js";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 3 : 9;
const TOKENS = 64;
const PROMPT = "And the LORD spake unto Moses, saying,";

env.allowRemoteModels = false;
env.localModelPath = new URL("../models/", import.meta.url).pathname;
const tokenizer = await AutoTokenizer.from_pretrained("tiny-kjv");
const model = await AutoModelForCausalLM.from_pretrained("tiny-kjv", { dtype: "fp32" });
const V = model.config.vocab_size;

const STRATEGIES = [
  { name: "greedy", ours: { temperature: 0 }, hf: { do_sample: false } },
  { name: "temperature 0.8", ours: { temperature: 0.8 }, hf: { do_sample: true, temperature: 0.8, top_k: 0 } },
  {
    name: "full chain",
    ours: { repetitionPenalty: 1.1, temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05 },
    // transformers.js's generate() has no top-p and no min-p
    hf: { do_sample: true, repetition_penalty: 1.1, temperature: 0.8, top_k: 40 },
  },
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// the generation never ends early: EOS off, no stop strings, exactly TOKENS steps
const ours = (options, seed) =>
  generate(model, tokenizer, PROMPT, { ...options, seed, maxNewTokens: TOKENS, ignoreEos: true });
async function theirs(config) {
  const inputs = tokenizer(PROMPT);
  const t0 = performance.now();
  const out = await model.generate({ ...inputs, ...config, max_new_tokens: TOKENS, min_new_tokens: TOKENS });
  const ms = performance.now() - t0;
  if (out.dims[1] - inputs.input_ids.dims[1] !== TOKENS) throw new Error("transformers.js ended early");
  return ms;
}

await ours({}, 1); // warm-up: sessions, JIT
await theirs({ do_sample: false });
const rows = [];
for (const s of STRATEGIES) {
  const f = [],
    smp = [],
    total = [],
    hf = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const res = await ours(s.ours, r + 1);
    total.push((performance.now() - t0) / TOKENS);
    f.push(res.timing.forwardMs / res.timing.forwardPasses);
    smp.push(res.timing.samplingMs / res.timing.forwardPasses);
    hf.push((await theirs(s.hf)) / TOKENS);
  }
  rows.push({ name: s.name, forward: median(f), sampling: median(smp), total: median(total), hf: median(hf) });
}

// the sampling part alone: the logits of one greedy run, stepped again with and without the text
const recorded = [];
await generate(
  {
    config: model.config,
    generation_config: model.generation_config,
    forward: async (inputs) => {
      const out = await model.forward(inputs);
      const S = out.logits.dims[1];
      recorded.push(out.logits.data.slice((S - 1) * V, S * V));
      return out;
    },
  },
  tokenizer,
  PROMPT,
  { temperature: 0, maxNewTokens: TOKENS, ignoreEos: true },
);
const prompt = tokenizer.encode(PROMPT);
async function stepAll(options, withText) {
  const s = await createSampler({ vocabSize: V, seed: 1, ...options });
  const g = s.generation({
    prompt,
    ignoreEos: true,
    ...(withText ? { decode: (ids) => tokenizer.decode(ids, { skip_special_tokens: true }) } : {}),
  });
  const t0 = performance.now();
  for (const row of recorded) g.step(row);
  const us = (1000 * (performance.now() - t0)) / recorded.length;
  s.dispose();
  return us;
}
const alone = [];
for (const s of STRATEGIES) {
  const bare = [],
    text = [];
  for (let r = 0; r < ROUNDS * 3; r++) {
    bare.push(await stepAll(s.ours, false));
    text.push(await stepAll(s.ours, true));
  }
  alone.push({ name: s.name, bare: median(bare), text: median(text) });
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(
  `tiny-kjv (vocabulary ${V}), ${TOKENS} new tokens, prompt of ${prompt.length} tokens; ${cpu}, ${os.cpus().length} cores, Node ${process.version}; medians of ${ROUNDS} paired rounds\n`,
);
console.log(
  "| strategy | model forward | llm-sampler (with text) | total per token | transformers.js generate() per token |",
);
console.log("|---|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.forward.toFixed(2)} ms | ${(1000 * r.sampling).toFixed(0)} us (${((100 * r.sampling) / r.total).toFixed(0)}%) | ${r.total.toFixed(2)} ms | ${r.hf.toFixed(2)} ms (${(r.hf / r.total).toFixed(2)}x) |`,
  );
}
console.log("\nThe sampling part alone, on the logits of the run above (Generation.step per token):\n");
console.log("| strategy | step, no text | step with the tokenizer's decode (streaming text) |");
console.log("|---|---:|---:|");
for (const a of alone) console.log(`| ${a.name} | ${a.bare.toFixed(1)} us | ${a.text.toFixed(1)} us |`);
