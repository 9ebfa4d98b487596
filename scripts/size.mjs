// `npm run size`: the minified, gzipped (level 9) esbuild bundle of what a user imports, per entry.
// The default entry inlines the wasm; the workerd entry imports dist/sampler.wasm, counted separately.
// test/size.test.ts fails when the default entry grows past TARGET_BYTES, the budget for createSampler +
// createBeamSearch with the wasm (the README's Size section says where the bytes go).
import { build } from "esbuild";
import { gzipSync, constants } from "node:zlib";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const TARGET_BYTES = 22 * 1024;
const root = fileURLToPath(new URL("..", import.meta.url));
const gz = (b) => gzipSync(b, { level: constants.Z_BEST_COMPRESSION }).length;

async function bundle(source, conditions) {
  const r = await build({
    stdin: { contents: source, resolveDir: root, sourcefile: "entry.mjs" },
    bundle: true,
    minify: true,
    format: "esm",
    write: false,
    conditions,
    external: ["*.wasm"],
    logLevel: "silent",
  });
  return r.outputFiles[0].contents;
}

/** Sizes in bytes of each entry's bundle, minified and gzipped. */
export async function measureSizes() {
  const main = `import { createSampler, createBeamSearch } from "llm-sampler"; globalThis.llm = { createSampler, createBeamSearch };`;
  const all = `import * as llm from "llm-sampler"; globalThis.llm = llm;`;
  const wasm = readFileSync(new URL("../dist/sampler.wasm", import.meta.url));
  const rows = [];
  for (const [name, src, conditions, wasmFile] of [
    ["createSampler + createBeamSearch (default entry, wasm inlined)", main, [], false],
    ["every export (default entry, wasm inlined)", all, [], false],
    ["createSampler + createBeamSearch (workerd entry, + sampler.wasm)", main, ["workerd"], true],
  ]) {
    const js = await bundle(src, conditions);
    const wasmGz = wasmFile ? gz(wasm) : 0;
    rows.push({ entry: name, minified: js.length + (wasmFile ? wasm.length : 0), gzipped: gz(js) + wasmGz });
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await measureSizes();
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

  console.log("| entry | minified | gzipped |\n|---|---:|---:|");
  for (const r of rows) console.log(`| ${r.entry} | ${kb(r.minified)} | ${kb(r.gzipped)} |`);
  const first = rows[0].gzipped;
  console.log(`\nfirst row: ${first} bytes; budget ${TARGET_BYTES} (${first <= TARGET_BYTES ? "met" : "OVER"})`);
  if (first > TARGET_BYTES) process.exitCode = 1;
}
