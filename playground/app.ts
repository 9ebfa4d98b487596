// The playground page: the library itself, in the browser, on the data of data/ (served by
// scripts/playground.mjs). Every number on the page comes from createSampler / createBeamSearch.
import { createBeamSearch, createSampler, type FinishReason, type Sampler, type SamplerOptions } from "llm-sampler";
import { parseBigram } from "../demo/bigram-model.mjs";
import type { BigramModel } from "../demo/bigram.mjs";
import type { Neural } from "./neural.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const ROWS = 20;

/**
 * The sliders: option name, label, range, step, neutral value (= off), and where the page opens (a setting
 * that visibly changes the distribution: a sharper temperature and a top-p cut; "reset" turns all off).
 */
const CONTROLS = [
  { key: "temperature", label: "temperature (0 = greedy)", min: 0, max: 2, step: 0.05, neutral: 1, start: 0.7 },
  { key: "topK", label: "topK (0 = off)", min: 0, max: 100, step: 1, neutral: 0 },
  { key: "topP", label: "topP", min: 0.01, max: 1, step: 0.01, neutral: 1, start: 0.9 },
  { key: "minP", label: "minP", min: 0, max: 0.5, step: 0.005, neutral: 0 },
  { key: "typicalP", label: "typicalP", min: 0.01, max: 1, step: 0.01, neutral: 1 },
  { key: "repetitionPenalty", label: "repetitionPenalty", min: 1, max: 2, step: 0.05, neutral: 1 },
  { key: "presencePenalty", label: "presencePenalty", min: 0, max: 2, step: 0.05, neutral: 0 },
  { key: "frequencyPenalty", label: "frequencyPenalty", min: 0, max: 2, step: 0.05, neutral: 0 },
] as const;
type Key = (typeof CONTROLS)[number]["key"];

interface Source {
  id: string;
  label: string;
  vocab: string[];
  /** The logits of the current context and the context's token ids (for the penalties). */
  current(): Promise<{ logits: Float32Array; context: number[] } | null>;
}

let lm: BigramModel;
let nwVocab: string[] = [];
let nwIndex = new Map<string, number>();
const nwLogits = new Map<string, Float32Array>();
let nwItems: { file: string; context: string }[] = [];
let source!: Source;
let neural: Neural | null = null;
const BIGRAM_PROMPT = "we are going to";
const NEURAL_PROMPT = "And God said unto";
let sampler: Sampler | null = null;
let samplerKey = "";
const neutral = new Map<number, Sampler>();
let renderSeq = 0;
let picked: number | null = null;

const startOf = (c: (typeof CONTROLS)[number]): number => ("start" in c ? c.start : c.neutral);
const values: Record<Key, number> = Object.fromEntries(CONTROLS.map((c) => [c.key, startOf(c)])) as Record<Key, number>;

/** The sampler options of the controls: neutral values are left out. */
function options(): Omit<SamplerOptions, "vocabSize"> {
  const o: Record<string, unknown> = {
    seed: Number($<HTMLInputElement>("seed").value) >>> 0,
    order: $<HTMLSelectElement>("order").value,
  };
  for (const c of CONTROLS) if (values[c.key] !== c.neutral) o[c.key] = values[c.key];
  return o as Omit<SamplerOptions, "vocabSize">;
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}
async function fetchText(path: string): Promise<string> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.text();
}

function bigramSource(): Source {
  return {
    id: "bigram",
    label: "Bigram model: type words",
    vocab: lm.words,
    async current() {
      const err = $("promptErr");
      try {
        const context = lm.encode($<HTMLInputElement>("prompt").value);
        err.textContent = "";
        const logits = lm.logits(context.length ? context[context.length - 1]! : 0, new Float32Array(lm.vocabSize));
        return { logits, context };
      } catch (e) {
        err.textContent = (e as Error).message;
        return null;
      }
    },
  };
}

function nextWordSource(item: { file: string; context: string }): Source {
  return {
    id: item.file,
    label: `“${item.context} …” (72,546 words)`,
    vocab: nwVocab,
    async current() {
      const logits = nwLogits.get(item.file)!;
      const context = item.context
        .split(" ")
        .map((w) => nwIndex.get(w))
        .filter((x): x is number => x !== undefined);
      return { logits, context };
    },
  };
}

/** The tiny transformer: the logits of the prompt's tokens, from a forward pass in onnxruntime-web. */
function neuralSource(nn: Neural): Source {
  return {
    id: "tiny",
    label: "tiny-kjv: a neural model",
    vocab: nn.vocab,
    async current() {
      const context = nn.encode($<HTMLInputElement>("prompt").value);
      if (context.length === 0) {
        $("promptErr").textContent = "type some text";
        return null;
      }
      $("promptErr").textContent = "";
      return { logits: (await nn.logits([context]))[0]!, context };
    },
  };
}

async function selectSource(id: string): Promise<void> {
  const prompt = $<HTMLInputElement>("prompt");
  if (id === "bigram" || id === "tiny") {
    const [from, to] = id === "tiny" ? [BIGRAM_PROMPT, NEURAL_PROMPT] : [NEURAL_PROMPT, BIGRAM_PROMPT];
    if (prompt.value === from) prompt.value = to;
    const stop = $<HTMLInputElement>("stop");
    const [stopFrom, stopTo] = id === "tiny" ? ["a lot of", "."] : [".", "a lot of"];
    if (stop.value === stopFrom) stop.value = stopTo;
  }
  if (id === "bigram") {
    source = bigramSource();
  } else if (id === "tiny") {
    if (!neural) {
      $("summary").textContent = "loading the tiny transformer (5.4 MB) …";
      neural = await (await import("./neural.js")).loadNeural();
    }
    source = neuralSource(neural);
  } else {
    const item = nwItems.find((x) => x.file === id)!;
    if (!nwVocab.length) {
      nwVocab = (await fetchText("data/next-word/vocab.txt")).split("\n").slice(0, 72546);
      nwIndex = new Map(nwVocab.map((w, i) => [w, i]));
    }
    if (!nwLogits.has(id)) {
      const b = await fetchBytes(`data/next-word/${id}`);
      nwLogits.set(id, new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
    }
    source = nextWordSource(item);
  }
  picked = null;
  $("sampled").textContent = "";
}

/** The sampler for the current options and vocabulary, created again only when they change. */
async function currentSampler(vocabSize: number): Promise<Sampler> {
  const key = JSON.stringify([vocabSize, options()]);
  if (sampler && key === samplerKey) return sampler;
  const s = await createSampler({ vocabSize, ...options() });
  sampler = s;
  samplerKey = key;
  return s;
}

async function neutralSampler(vocabSize: number): Promise<Sampler> {
  let s = neutral.get(vocabSize);
  if (!s) {
    s = await createSampler({ vocabSize });
    neutral.set(vocabSize, s);
  }
  return s;
}

const pct = (p: number) =>
  (p >= 0.0995 ? (100 * p).toFixed(1) : p >= 0.000995 ? (100 * p).toFixed(2) : p > 0 ? (100 * p).toPrecision(2) : "0") +
  "%";
const entropy = (p: Float32Array) => {
  let h = 0;
  for (const x of p) if (x > 0) h -= x * Math.log(x);
  return h;
};

/** Top `n` token ids by probability, ties by lower id. */
function topIds(p: Float32Array, n: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < p.length; i++) {
    if (ids.length < n || p[i]! > p[ids[ids.length - 1]!]!) {
      let j = ids.length < n ? ids.length : n - 1;
      ids[j] = i;
      while (j > 0 && p[ids[j - 1]!]! < p[i]!) {
        ids[j] = ids[j - 1]!;
        ids[j - 1] = i;
        j--;
      }
    }
  }
  return ids;
}

async function render(): Promise<void> {
  const seq = ++renderSeq;
  const cur = await source.current();
  if (seq !== renderSeq) return; // a newer render started while this one waited
  const chart = $("chart");
  if (!cur) {
    chart.replaceChildren();
    $("summary").textContent = "";
    return;
  }
  const V = source.vocab.length;
  const [s, base] = await Promise.all([currentSampler(V), neutralSampler(V)]);
  if (seq !== renderSeq) return; // a newer render started while this one waited
  const before = base.probs(cur.logits);
  const after = s.probs(cur.logits, cur.context);
  const top = topIds(before, ROWS);
  const inTop = new Set(top);
  const entered = topIds(after, ROWS).filter((t) => !inTop.has(t) && after[t]! > 0);
  const rows = [...top, ...entered];
  let kept = 0;
  for (const x of after) if (x > 0) kept++;
  const scale = Math.max(...rows.map((t) => Math.max(before[t]!, after[t]!)));
  $("summary").textContent =
    `kept ${kept.toLocaleString("en-US")} of ${V.toLocaleString("en-US")} tokens · entropy ${entropy(before).toFixed(2)} → ${entropy(after).toFixed(2)} nats`;
  chart.dataset.kept = String(kept);
  chart.dataset.context = cur.context.join(",");
  chart.replaceChildren(
    ...rows.map((t, i) => {
      const row = document.createElement("div");
      row.className =
        "bar-row" +
        (after[t] === 0 ? " removed" : "") +
        (i >= top.length ? " entered" : "") +
        (t === picked ? " picked" : "");
      row.dataset.token = String(t);
      row.dataset.before = String(before[t]);
      row.dataset.after = String(after[t]);
      row.dataset.logit = String(cur.logits[t]);
      const rank = document.createElement("span");
      rank.className = "rank";
      rank.textContent = i < top.length ? String(i + 1) : "↑";
      const word = document.createElement("span");
      word.className = "word";
      word.textContent = source.vocab[t] ?? String(t);
      const track = document.createElement("span");
      track.className = "track";
      const b = document.createElement("i");
      b.className = "b";
      b.style.width = `${(100 * before[t]!) / scale}%`;
      const a = document.createElement("i");
      a.className = "a";
      a.style.width = `${(100 * after[t]!) / scale}%`;
      track.append(b, a);
      const p = document.createElement("span");
      p.className = "pct";
      p.textContent = after[t] === 0 ? "removed" : pct(after[t]!);
      row.append(rank, word, track, p);
      return row;
    }),
  );
  chart.dataset.ready = String(seq);
}

/** Numbers on hover (and on tap, for phones). */
function setupTooltip(): void {
  const tip = $("tip"),
    chart = $("chart");
  const show = (e: PointerEvent) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>(".bar-row");
    chart.querySelectorAll(".hover").forEach((r) => r.classList.remove("hover"));
    if (!row) {
      tip.style.display = "none";
      return;
    }
    row.classList.add("hover");
    const t = Number(row.dataset.token),
      b = Number(row.dataset.before),
      a = Number(row.dataset.after);
    tip.textContent = `“${source.vocab[t]}” (token ${t}) · logit ${Number(row.dataset.logit).toFixed(3)} · before ${pct(b)} · after ${a === 0 ? "removed" : pct(a)}`;
    tip.style.display = "block";
    tip.style.left = `${Math.min(e.clientX + 12, window.innerWidth - tip.offsetWidth - 6)}px`;
    tip.style.top = `${e.clientY + 14}px`;
  };
  chart.addEventListener("pointermove", show);
  chart.addEventListener("pointerdown", show);
  chart.addEventListener("pointerleave", () => {
    tip.style.display = "none";
    chart.querySelectorAll(".hover").forEach((r) => r.classList.remove("hover"));
  });
}

function setupControls(): void {
  const box = $("controls");
  for (const c of CONTROLS) {
    const wrap = document.createElement("div");
    wrap.className = "ctl";
    const label = document.createElement("label");
    label.htmlFor = c.key;
    label.textContent = c.label;
    const out = document.createElement("output");
    out.id = `${c.key}Out`;
    out.textContent = String(startOf(c));
    const input = document.createElement("input");
    Object.assign(input, {
      type: "range",
      id: c.key,
      min: String(c.min),
      max: String(c.max),
      step: String(c.step),
      value: String(startOf(c)),
    });
    input.addEventListener("input", () => {
      values[c.key] = Number(input.value);
      out.textContent = input.value;
      void render();
    });
    wrap.append(label, out, input);
    box.append(wrap);
  }
  for (const id of ["seed", "order"]) $(id).addEventListener("input", () => void render());
  $("prompt").addEventListener("input", () => void render());
  $("source").addEventListener("change", async () => {
    await selectSource($<HTMLSelectElement>("source").value);
    await render();
  });
  $("reset").addEventListener("click", () => {
    for (const c of CONTROLS) {
      const input = $<HTMLInputElement>(c.key);
      input.value = String(c.neutral);
      input.dispatchEvent(new Event("input"));
    }
  });
}

async function sampleOne(): Promise<void> {
  const cur = await source.current();
  if (!cur) return;
  const s = await currentSampler(source.vocab.length);
  const lp = s.topLogprobs(1, cur.logits, cur.context); // what the chosen token's probability is compared to
  const t = s.sample(cur.logits, cur.context);
  const p = s.probs(cur.logits, cur.context)[t]!;
  picked = t;
  const out = $("sampled");
  out.dataset.token = String(t);
  out.textContent = `sampled “${source.vocab[t]}” (token ${t}, p = ${pct(p)}; most likely: “${source.vocab[lp[0]!.token]}”)`;
  if (source.id === "bigram") {
    const input = $<HTMLInputElement>("prompt");
    input.value = `${input.value.trim()} ${lm.words[t] === "</s>" ? "" : lm.words[t]}`.trim();
  } else if (source.id === "tiny") {
    const input = $<HTMLInputElement>("prompt");
    input.value = neural!.decode([...cur.context, t]);
  }
  await render();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const busy = (on: boolean) => {
  for (const id of ["generate", "beam"]) $<HTMLButtonElement>(id).disabled = on;
};

/** What a generation run streams into the page's text and what it reports when it ends. */
type Run = (body: HTMLElement) => Promise<{ finish: FinishReason; line: string }>;

/** The tiny transformer: llm-sampler/transformers' generate() with the model's KV cache. */
function neuralRun(nn: Neural, text: string): Run {
  return async (body) => {
    const stop = $<HTMLInputElement>("stop").value;
    const r = await nn.generate(text, {
      ...options(),
      maxNewTokens: Math.max(1, Number($<HTMLInputElement>("maxLen").value) | 0),
      stop: stop ? [stop] : [],
      onStep: async (step) => {
        body.textContent += step.text; // streamed, held back only while it may still become the stop string
        await sleep(25);
      },
    });
    const t = r.timing;
    return {
      finish: r.finishReason,
      line:
        `[${r.finishReason}] ${r.tokens.length} tokens · per token: model ${(t.forwardMs / t.forwardPasses).toFixed(1)} ms, ` +
        `sampling and text ${((1000 * t.samplingMs) / t.forwardPasses).toFixed(0)} µs`,
    };
  };
}

/** The bigram model: a Generation stepped on the logits the model writes into wasm memory. */
function bigramRun(prompt: number[]): Run {
  return async (body) => {
    // a fresh sampler: the same settings and seed always give the same text
    const s = await createSampler({ vocabSize: lm.vocabSize, ...options() });
    const stop = $<HTMLInputElement>("stop").value.trim();
    const g = s.generation({
      prompt,
      maxNewTokens: Math.max(1, Number($<HTMLInputElement>("maxLen").value) | 0),
      eosTokenId: lm.eos,
      stop: stop ? [` ${stop}`] : [],
      decode: (ids) => lm.decode(ids),
    });
    let prev = prompt.length ? prompt[prompt.length - 1]! : 0;
    while (!g.done) {
      lm.logits(prev, s.logits); // the model writes into wasm memory
      const step = g.step();
      body.textContent += step.text; // streamed: held back only while it may still become the stop string
      prev = step.token;
      await sleep(25);
    }
    return { finish: g.finishReason, line: `[${g.finishReason}] ${g.tokens.length} words` };
  };
}

/** Generates from the current source into the output box: the prompt, the streamed text, the reason line. */
async function generate(): Promise<void> {
  const out = $("genOut");
  const input = $<HTMLInputElement>("prompt").value;
  let shown: string, run: Run;
  try {
    if (source.id === "tiny") {
      if (neural!.encode(input).length === 0) throw new Error("type some text");
      shown = input;
      run = neuralRun(neural!, input);
    } else {
      const prompt = lm.encode(input);
      shown = lm.decode(prompt).trim();
      run = bigramRun(prompt);
    }
  } catch (e) {
    out.textContent = (e as Error).message;
    return;
  }
  busy(true);
  out.dataset.done = "false";
  out.replaceChildren();
  const head = document.createElement("span");
  head.className = "prompt";
  head.textContent = shown;
  const body = document.createElement("span");
  body.id = "genText";
  out.append(head, body);
  try {
    const { finish, line } = await run(body);
    const reason = document.createElement("div");
    reason.className = "reason";
    reason.textContent = line;
    out.append(reason);
    out.dataset.finish = String(finish);
  } catch (e) {
    out.append(String(e));
  } finally {
    out.dataset.done = "true";
    busy(false);
  }
}

async function beam(): Promise<void> {
  const table = $("beamSteps");
  // the bigram model, or the tiny transformer (every live beam recomputed in one batched forward pass)
  const nn = source.id === "tiny" ? neural : null;
  const decode = (ids: number[]) => (nn ? nn.decode(ids) : lm.decode(ids));
  let prompt: number[];
  try {
    prompt = nn ? nn.encode($<HTMLInputElement>("prompt").value) : lm.encode($<HTMLInputElement>("prompt").value);
    if (prompt.length === 0 && nn) throw new Error("type some text");
  } catch (e) {
    table.textContent = (e as Error).message;
    return;
  }
  busy(true);
  table.dataset.done = "false";
  const numBeams = Math.min(16, Math.max(1, Number($<HTMLInputElement>("numBeams").value) | 0));
  const maxNewTokens = Math.min(30, Math.max(1, Number($<HTMLInputElement>("beamLen").value) | 0));
  const rep = values.repetitionPenalty;
  try {
    const bs = await createBeamSearch({
      vocabSize: nn ? nn.vocab.length : lm.vocabSize,
      numBeams,
      maxNewTokens,
      prompt,
      eosTokenId: nn ? 0 : lm.eos,
      lengthPenalty: Number($<HTMLInputElement>("lengthPenalty").value) || 0,
      numReturnSequences: numBeams,
      ...(rep !== 1 ? { repetitionPenalty: rep } : {}),
    });
    table.innerHTML =
      "<thead><tr><th class=num>step</th><th>live beams (best first)</th><th class=num>score</th></tr></thead>";
    const tbody = document.createElement("tbody");
    table.append(tbody);
    const words = (seq: number[]) => decode(seq.slice(prompt.length)).trim() || "(start)";
    for (let step = 1; !bs.done; step++) {
      if (nn) (await nn.logits(bs.sequences)).forEach((row, r) => bs.rowView(r).set(row));
      for (let r = 0; !nn && r < bs.sequences.length; r++) {
        const seq = bs.sequences[r]!;
        lm.logits(seq.length ? seq[seq.length - 1]! : 0, bs.rowView(r)); // rows written straight into wasm memory
      }
      bs.step();
      const tr = document.createElement("tr");
      tr.className = "beam-step";
      const n = document.createElement("td");
      n.className = "num";
      n.textContent = String(step);
      const b = document.createElement("td");
      b.className = "beams";
      const sc = document.createElement("td");
      sc.className = "num";
      bs.sequences.forEach((seq, r) => {
        const d = document.createElement("div");
        d.textContent = words(seq);
        b.append(d);
        const e = document.createElement("div");
        e.textContent = bs.scores[r]!.toFixed(3);
        sc.append(e);
      });
      if (!bs.sequences.length) b.textContent = "(all finished)";
      tr.append(n, b, sc);
      tbody.append(tr);
      await sleep(150);
    }
    const tr = document.createElement("tr");
    tr.innerHTML =
      "<th colspan=3>finished, best first (score = sum of log-probabilities / length ^ lengthPenalty)</th>";
    tbody.append(tr);
    for (const r of bs.results) {
      const row = document.createElement("tr");
      row.className = "beam-result";
      const a = document.createElement("td");
      const b = document.createElement("td");
      b.textContent = decode(r.tokens).trim();
      const c = document.createElement("td");
      c.className = "num";
      c.textContent = r.score.toFixed(3);
      row.append(a, b, c);
      tbody.append(row);
    }
  } finally {
    table.dataset.done = "true";
    busy(false);
  }
}

async function main(): Promise<void> {
  const [bin, vocabText, index] = await Promise.all([
    fetchBytes("data/bigram-lm.bin"),
    fetchText("data/bigram-lm.vocab.txt"),
    fetchText("data/next-word/index.json"),
  ]);
  lm = parseBigram(bin, vocabText);
  nwItems = (JSON.parse(index) as { items: { file: string; context: string }[] }).items;
  const select = $<HTMLSelectElement>("source");
  select.append(new Option("Bigram model: type words", "bigram"));
  select.append(new Option("tiny-kjv, a small transformer: type text (runs in this page)", "tiny"));
  for (const item of nwItems)
    select.append(new Option(`“${item.context} …” (full distribution, 72,546 words)`, item.file));
  setupControls();
  setupTooltip();
  $("sample").addEventListener("click", () => void sampleOne());
  $("generate").addEventListener("click", () => void generate());
  $("beam").addEventListener("click", () => void beam());
  await selectSource("bigram");
  await render();
  document.body.dataset.ready = "true";
}

main().catch((e: unknown) => {
  document.body.dataset.error = String(e);
  $("summary").textContent = `Could not start: ${String(e)}`;
});
