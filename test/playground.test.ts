// The playground in headless Chromium (playwright-core, Debian's chromium): the server is started by
// `node scripts/playground.mjs --port 0` and stopped by its process id. Moves controls and checks that
// the chart and the generated text change as they must, and that a seeded sample, a generation and a
// beam search give exactly what the library gives in Node. Screenshots go to test-output/.
import { readFileSync, mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { createBeamSearch, createSampler, type SamplerOptions } from "../js/index.js";
import { loadBigram } from "../demo/bigram.mjs";
import { beamSearch, generate } from "../js/transformers.js";
import { loadTiny, recompute } from "./tiny-model.js";
// @ts-expect-error: a plain ESM script without types
import { launchChromium, startProcess, stopProcess } from "./runtimes/harness.mjs";

const out = new URL("../test-output/", import.meta.url).pathname;
const lm = loadBigram();
const nwVocab = readFileSync(new URL("../data/next-word/vocab.txt", import.meta.url), "utf8")
  .split("\n")
  .slice(0, 72546);
const nwIndex = new Map(nwVocab.map((w, i) => [w, i]));
const f32 = (file: string) => {
  const b = readFileSync(new URL(`../data/next-word/${file}`, import.meta.url));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

let server: { child: import("node:child_process").ChildProcess; log(): string };
let browser: Browser;
let page: Page;

/** Sets a range or number input as a user would (input event). */
async function set(id: string, value: number | string) {
  await page.locator(`#${id}`).fill(String(value));
}
/** Waits for the chart to finish a render started after `since`. */
async function chartAfter(since: number) {
  await page.waitForFunction((s) => Number(document.getElementById("chart")!.dataset.ready) > s, since);
}
const chartSeq = () => page.evaluate(() => Number(document.getElementById("chart")!.dataset.ready));
const rows = () =>
  page.$$eval(".bar-row", (rs) =>
    rs.map((r) => ({
      token: Number((r as HTMLElement).dataset.token),
      before: Number((r as HTMLElement).dataset.before),
      after: Number((r as HTMLElement).dataset.after),
      removed: r.classList.contains("removed"),
    })),
  );

async function generateInNode(
  opts: Omit<SamplerOptions, "vocabSize">,
  promptText: string,
  stop: string,
  maxNewTokens: number,
) {
  const s = await createSampler({ vocabSize: lm.vocabSize, ...opts });
  const prompt = lm.encode(promptText);
  const g = s.generation({
    prompt,
    maxNewTokens,
    eosTokenId: lm.eos,
    stop: [` ${stop}`],
    decode: (ids) => lm.decode(ids),
  });
  let text = "",
    prev = prompt.at(-1) ?? 0;
  while (!g.done) {
    lm.logits(prev, s.logits);
    const st = g.step();
    text += st.text;
    prev = st.token;
  }
  return text;
}

describe("playground", () => {
  beforeAll(async () => {
    mkdirSync(out, { recursive: true });
    server = await startProcess(process.execPath, ["scripts/playground.mjs", "--port", "0"], async (log: string) =>
      /playground: http/.test(log),
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(server.log().match(/(http:\/\/127\.0\.0\.1:\d+\/)/)![1]!);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    expect(errors).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server.child);
  });

  it("opens on settings that change the distribution visibly; reset turns every transform off", async () => {
    const opened = await rows();
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.some((r) => r.removed || Math.abs(r.after - r.before) > 0.01)).toBe(true);
    const seq = await chartSeq();
    await page.click("#reset");
    await chartAfter(seq);
    expect((await rows()).every((r) => !r.removed && Math.abs(r.after - r.before) <= 1e-6)).toBe(true);
  });

  it("shows a full next-word distribution, and topK 5 removes all but the top 5, renormalised", async () => {
    let seq = await chartSeq();
    await page.selectOption("#source", "00.f32");
    await chartAfter(seq);
    const neutral = await rows();
    expect(neutral).toHaveLength(20);
    expect(neutral.every((r) => !r.removed && Math.abs(r.after - r.before) <= 1e-6)).toBe(true); // f32 rounding
    expect(await page.getAttribute("#chart", "data-kept")).toBe("72546");
    // the bars are the real distribution: descending, and the top word follows "once upon a"
    expect(neutral.map((r) => r.before)).toEqual([...neutral.map((r) => r.before)].sort((a, b) => b - a));
    expect(nwVocab[neutral[0]!.token]).toBe("time");

    seq = await chartSeq();
    await set("topK", 5);
    await chartAfter(seq);
    const cut = await rows();
    expect(await page.getAttribute("#chart", "data-kept")).toBe("5");
    expect(cut.map((r) => r.removed)).toEqual([...Array(5).fill(false), ...Array(15).fill(true)]);
    const z = cut.slice(0, 5).reduce((s, r) => s + r.before, 0);
    for (const r of cut.slice(0, 5)) expect(Math.abs(r.after - r.before / z)).toBeLessThanOrEqual(1e-5); // f32 softmax
  });

  it("a seeded sample equals the library's own in Node", async () => {
    const logits = f32("00.f32");
    const context = "once upon a".split(" ").map((w) => nwIndex.get(w)!);
    for (const [settings, opts] of [
      [{ topK: 5 }, { topK: 5 }],
      [
        { topK: 0, temperature: 1.5, topP: 0.9 },
        { temperature: 1.5, topP: 0.9 },
      ],
      [
        { topP: 1, temperature: 1, minP: 0.02, repetitionPenalty: 1.3 },
        { minP: 0.02, repetitionPenalty: 1.3 },
      ],
    ] as const) {
      for (const [k, v] of Object.entries(settings)) await set(k, v);
      const seq = await chartSeq();
      await set("seed", 7);
      await chartAfter(seq);
      await page.click("#sample");
      await page.waitForFunction(() => document.getElementById("sampled")!.dataset.token !== undefined);
      const token = Number(await page.getAttribute("#sampled", "data-token"));
      const s = await createSampler({ vocabSize: 72546, seed: 7, order: "hf", ...opts });
      expect(token, JSON.stringify(opts)).toBe(s.sample(logits, context));
      await page.evaluate(() => {
        delete document.getElementById("sampled")!.dataset.token;
      });
      await set("seed", 8); // so the next settings start from a fresh sampler seeded 7 again
    }
    await page.click("#reset");
  });

  it("generation streams the library's text, and a penalty changes it as it must", async () => {
    const seq = await chartSeq();
    await page.selectOption("#source", "bigram");
    await chartAfter(seq);
    await set("prompt", "the people");
    await set("seed", 7);
    await set("temperature", 0);
    const run = async () => {
      await page.click("#generate");
      await page.waitForSelector("#genOut[data-done=true]", { timeout: 60_000 });
      return page.textContent("#genText");
    };
    const greedy = await run();
    expect(greedy).toBe(await generateInNode({ seed: 7, order: "hf", temperature: 0 }, "the people", "a lot of", 30));
    await set("repetitionPenalty", 1.5);
    const penalised = await run();
    expect(penalised).toBe(
      await generateInNode(
        { seed: 7, order: "hf", temperature: 0, repetitionPenalty: 1.5 },
        "the people",
        "a lot of",
        30,
      ),
    );
    expect(penalised).not.toBe(greedy);
    // greedy loops; the penalty breaks the loop
    expect(greedy!.split(" i don't know what").length - 1).toBeGreaterThanOrEqual(3);
    expect(penalised!.split(" i don't know what").length - 1).toBeLessThanOrEqual(1);
    expect(await page.getAttribute("#genOut", "data-finish")).toBe("eos");
    await set("temperature", 1);
    const sampled = await run();
    expect(sampled).toBe(
      await generateInNode({ seed: 7, order: "hf", repetitionPenalty: 1.5 }, "the people", "a lot of", 30),
    );
  });

  it("beam search shows the live beams per step and ends with the library's results", async () => {
    await set("numBeams", 3);
    await set("beamLen", 5);
    await page.click("#beam");
    await page.waitForSelector("#beamSteps[data-done=true]", { timeout: 60_000 });
    const steps = await page.$$eval("tr.beam-step", (trs) =>
      trs.map((tr) => ({
        beams: Array.from(tr.querySelectorAll("td.beams div")).map((d) => d.textContent),
        scores: Array.from(tr.querySelectorAll("td.num div")).map((d) => Number(d.textContent)),
      })),
    );
    expect(steps.length).toBeGreaterThanOrEqual(1);
    expect(steps[0]!.beams).toHaveLength(3);
    for (const s of steps) expect(s.scores).toEqual([...s.scores].sort((a, b) => b - a));
    const shown = await page.$$eval("tr.beam-result", (trs) =>
      trs.map((tr) => [tr.children[1]!.textContent, Number(tr.children[2]!.textContent)]),
    );
    const bs = await createBeamSearch({
      vocabSize: lm.vocabSize,
      numBeams: 3,
      maxNewTokens: 5,
      prompt: lm.encode("the people"),
      eosTokenId: lm.eos,
      lengthPenalty: 1,
      numReturnSequences: 3,
      repetitionPenalty: 1.5,
    });
    while (!bs.done) {
      for (let r = 0; r < bs.sequences.length; r++) lm.logits(bs.sequences[r]!.at(-1)!, bs.rowView(r));
      bs.step();
    }
    expect(shown).toEqual(bs.results.map((r) => [lm.decode(r.tokens).trim(), Number(r.score.toFixed(3))]));
  });

  it("the tiny transformer runs in the page (onnxruntime-web): its distribution, seeded generation and beams equal Node's", async () => {
    const { model, tokenizer } = await loadTiny();
    let seq = await chartSeq();
    await page.click("#reset");
    await chartAfter(seq);
    seq = await chartSeq();
    await page.selectOption("#source", "tiny");
    await chartAfter(seq);
    const text = "And God said unto";
    seq = await chartSeq();
    await set("prompt", text);
    await chartAfter(seq);
    // the neutral chart is the model's softmax: onnxruntime-web's logits against onnxruntime-node's, within 1e-4
    const ids = tokenizer.encode(text);
    const base = await createSampler({ vocabSize: 2048 });
    const p = base.probs((await recompute(model, [ids]))[0]);
    const shown = await rows();
    expect(shown).toHaveLength(20);
    for (const r of shown) expect(Math.abs(r.before - p[r.token]!)).toBeLessThan(1e-4);
    expect(await page.getAttribute("#chart", "data-context")).toBe(ids.join(","));
    // the same seed gives the same text in Chromium and in Node
    await set("temperature", 0.8);
    await set("topP", 0.95);
    await set("seed", 11);
    await set("maxLen", 40);
    await set("stop", "");
    await page.click("#generate");
    await page.waitForSelector("#genOut[data-done=true]", { timeout: 60_000 });
    const node = await generate(model, tokenizer, text, {
      seed: 11,
      order: "hf",
      temperature: 0.8,
      topP: 0.95,
      maxNewTokens: 40,
      stop: [],
    });
    expect(await page.textContent("#genText")).toBe(node.text);
    expect(node.text.length).toBeGreaterThan(40);
    expect(await page.getAttribute("#genOut", "data-finish")).toBe(node.finishReason);
    // beams: the page recomputes every live beam per step; Node's adapter feeds the cache
    await set("numBeams", 3);
    await set("beamLen", 6);
    await page.click("#beam");
    await page.waitForSelector("#beamSteps[data-done=true]", { timeout: 60_000 });
    const beams = await page.$$eval("tr.beam-result", (trs) => trs.map((tr) => tr.children[1]!.textContent));
    const ref = await beamSearch(model, tokenizer, text, {
      numBeams: 3,
      maxNewTokens: 6,
      numReturnSequences: 3,
      eosTokenId: 0,
    });
    expect(beams).toEqual(ref.map((r) => r.text.trim()));
    // back to the bigram model for the screenshots
    seq = await chartSeq();
    await page.selectOption("#source", "bigram");
    await chartAfter(seq);
  }, 120_000);

  it("numbers on hover; screenshots at desktop and phone widths, without sideways scrolling on a phone", async () => {
    await page.hover(".bar-row:nth-child(2)");
    await expect.poll(() => page.isVisible("#tip")).toBe(true);
    expect(await page.textContent("#tip")).toMatch(/logit -?\d+\.\d{3} · before \d.*% · after/);
    await page.screenshot({ path: `${out}playground.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: `${out}playground-mobile.png` });
  });
});
