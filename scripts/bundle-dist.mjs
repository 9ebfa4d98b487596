// Writes the package's JavaScript (run after tsc): dist/index.js, the default entry, dist/index.cjs, the same
// as CommonJS for require(), and dist/workerd.js, the entry for the "workerd" export condition, each one file
// bundled from tsc's modules (which are then
// removed; their .d.ts declarations stay). One file is what a plain <script type="module"> can load, and
// inside one bundle the internal properties and methods below get short names, chosen by esbuild so that
// none collides with another property: they repeat across the modules and cost ~270 bytes of the gzipped
// size budget. Only names that no user ever reads belong in the list (never an option, a result field, a
// public method or a wasm export): test/size.test.ts checks them against the public declarations.
// workerd.js replaces wasm-source.js with wasm-source-workerd.js, which imports "./sampler.wasm" as a module
// (workerd compiles .wasm modules itself and refuses WebAssembly.compile on bytes). transformers.js and
// transformers.cjs are the llm-sampler/transformers entry (the transformers.js adapter), bundled alone.
import { build } from "esbuild";
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { minify } from "terser";
import { fileURLToPath } from "node:url";

export const INTERNAL = [
  // SamplerImpl: what Generation, BeamSearch and speculative.ts call
  "loadWith",
  "drawWith",
  "saveStreams",
  "restoreStreams",
  "guard",
  "busy",
  "runChecked",
  "views",
  "lists",
  "opts",
  "ex",
  "mu",
  // Views
  "fresh",
  "vpad",
  "nRows",
  "candIdx",
  "candVal",
  "candKey",
  "biasListIds",
  "biasListValues",
  "params",
  "program",
  "result",
  "rows",
  "bias",
  "mask",
  "pairs",
  "bans",
  "ctx",
  // ContextLists, History, Detokenizer, StopMatcher, GenerationImpl
  "windowPairs",
  "nextMark",
  "marks",
  "ngramBans",
  "badWordBans",
  "penalties",
  "pending",
  "flush",
  "heldBack",
  "empty",
  "state",
  "spec",
  "truncate",
  // the transform table and the resolved options
  "slot",
  "llamaRank",
  "enabled",
  "truncation",
  "readOptions",
  "write",
  "llama",
  "op",
  "dynRange",
  "dynExponent",
  "xtcProbability",
  "xtcThreshold",
];

const dist = fileURLToPath(new URL("../dist/", import.meta.url));

/** The files under `dir` (a path ending in /) whose names end with `suffix`, in every subfolder. */
export function filesEnding(dir, suffix) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesEnding(`${dir}${e.name}/`, suffix) : e.name.endsWith(suffix) ? [`${dir}${e.name}`] : [],
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const modules = filesEnding(dist, ".js").filter(
    (f) => !/\/(workerd|index\.bundle|transformers\.bundle)\.js$/.test(f),
  );
  const common = {
    entryPoints: [`${dist}index.js`],
    bundle: true,
    format: "esm",
    platform: "neutral",
    logLevel: "warning",
    mangleProps: new RegExp(`^(${INTERNAL.join("|")})$`),
  };
  await build({
    ...common,
    outfile: `${dist}workerd.js`,
    external: ["./sampler.wasm"],
    // workerd has no FinalizationRegistry (nor a collector that reports): a registry that does nothing
    define: { FinalizationRegistry: "NoFinalizationRegistry" },
    banner: {
      js:
        "// llm-sampler for workerd / Cloudflare Workers: the engine is imported from ./sampler.wasm.\n" +
        "class NoFinalizationRegistry { register() {} unregister() {} }",
    },
    plugins: [
      {
        name: "workerd-wasm-source",
        setup(b) {
          b.onResolve({ filter: /\/wasm-source\.js$/ }, () => ({ path: `${dist}wasm-source-workerd.js` }));
        },
      },
    ],
  });
  await build({ ...common, outfile: `${dist}index.bundle.js`, banner: { js: "// llm-sampler" } });
  // CommonJS, for require() on every supported Node (require of ESM needs Node 20.19+ / 22.12+)
  await build({ ...common, outfile: `${dist}index.cjs`, format: "cjs", banner: { js: "// llm-sampler (CommonJS)" } });
  // llm-sampler/transformers: the adapter alone; llm-sampler itself and transformers.js stay imports, so that
  // the adapter shares the application's one engine and its one transformers.js (its Tensor class)
  const adapter = {
    entryPoints: [`${dist}transformers.js`],
    bundle: true,
    platform: "neutral",
    logLevel: "warning",
    external: ["@huggingface/transformers"],
  };
  const peerEntry = (target) => ({
    name: "adapter-peer-entry",
    setup(b) {
      b.onResolve({ filter: /^\.\/index\.js$/ }, () => ({ path: target, external: true }));
    },
  });
  await build({
    ...adapter,
    outfile: `${dist}transformers.bundle.js`,
    format: "esm",
    plugins: [peerEntry("./index.js")],
  });
  await build({ ...adapter, outfile: `${dist}transformers.cjs`, format: "cjs", plugins: [peerEntry("./index.cjs")] });
  for (const f of modules) rmSync(f);
  renameSync(`${dist}transformers.bundle.js`, `${dist}transformers.js`);
  renameSync(`${dist}index.bundle.js`, `${dist}index.js`);
  // terser's compressor (three passes) finds what esbuild's minifier leaves: ~300 bytes of the gzipped
  // default entry. Names stay readable where they are public; a source map leads back to the bundle.
  for (const [file, module] of [
    ["index.js", true],
    ["index.cjs", false],
    ["workerd.js", true],
  ]) {
    const code = readFileSync(`${dist}${file}`, "utf8");
    const r = await minify(code, {
      module,
      compress: { passes: 3, pure_getters: true, unsafe_arrows: true },
      mangle: true,
      format: { comments: /^\s*(llm-sampler|#)/ },
      sourceMap: { filename: file, url: `${file}.map`, includeSources: true },
    });
    writeFileSync(`${dist}${file}`, r.code);
    writeFileSync(`${dist}${file}.map`, r.map);
  }
}
