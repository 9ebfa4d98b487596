// Writes dist/workerd.js, the entry for the "workerd" export condition: dist/index.js bundled into one ESM
// file with wasm-source.js replaced by wasm-source-workerd.js, which imports "./sampler.wasm" as a module
// (workerd compiles .wasm modules itself and refuses WebAssembly.compile on bytes).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
await build({
  entryPoints: [`${dist}index.js`],
  outfile: `${dist}workerd.js`,
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["./sampler.wasm"],
  logLevel: "warning",
  banner: { js: "// llm-sampler for workerd / Cloudflare Workers: the engine is imported from ./sampler.wasm." },
  plugins: [
    {
      name: "workerd-wasm-source",
      setup(b) {
        b.onResolve({ filter: /\/wasm-source\.js$/ }, () => ({ path: `${dist}wasm-source-workerd.js` }));
      },
    },
  ],
});
