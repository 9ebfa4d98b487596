// The package's CommonJS build (dist/index.cjs, what require("llm-sampler") resolves to): the same tokens as
// the ESM entry, in this Node and in the oldest supported one (which cannot require ESM). Needs dist/.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as esm from "../dist/index.js";
// @ts-expect-error: a plain ESM script without types
import { NODE_OLDEST, nodeBinary } from "./runtimes/harness.mjs";

const cjsPath = fileURLToPath(new URL("../dist/index.cjs", import.meta.url));
const script = `
  const { createSampler } = require(${JSON.stringify(cjsPath)});
  createSampler({ vocabSize: 1000, seed: 3, topP: 0.9, repetitionPenalty: 1.2 }).then((s) => {
    const l = new Float32Array(1000).map((_, i) => Math.sin(i * 0.37) * 4);
    const ctx = [];
    for (let i = 0; i < 20; i++) ctx.push(s.sample(l, ctx));
    console.log(ctx.join(","));
  });
`;

async function esmTokens(): Promise<string> {
  const s = await esm.createSampler({ vocabSize: 1000, seed: 3, topP: 0.9, repetitionPenalty: 1.2 });
  const l = new Float32Array(1000).map((_, i) => Math.sin(i * 0.37) * 4);
  const ctx: number[] = [];
  for (let i = 0; i < 20; i++) ctx.push(s.sample(l, ctx));
  return ctx.join(",");
}

describe("CommonJS build", () => {
  it("package.json sends require() to dist/index.cjs and import to dist/index.js", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg.exports["."].require).toEqual({ types: "./dist/index.d.cts", default: "./dist/index.cjs" });
    expect(pkg.exports["."].import).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });
    const cjs = createRequire(import.meta.url)(cjsPath);
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
  });

  it("gives the ESM entry's tokens, here and on the oldest supported Node", async () => {
    const want = await esmTokens();
    expect(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim()).toBe(want);
    const old = await nodeBinary(NODE_OLDEST);
    expect(execFileSync(old, ["-e", script], { encoding: "utf8" }).trim()).toBe(want);
  }, 120_000);
});
