// The workerd entry's WebAssembly: workerd (and Cloudflare Workers) import a .wasm file as an already
// compiled WebAssembly.Module and refuse to compile one from bytes. scripts/bundle-workerd.mjs bundles
// dist/workerd.js with this file in place of wasm-source.ts, leaving "./sampler.wasm" as an import.
import engine from "./sampler.wasm";

/** The engine module, compiled by the runtime when it loaded the worker. */
export async function compileEngine(): Promise<WebAssembly.Module> {
  return engine;
}
