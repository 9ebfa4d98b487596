// Loading the engine: the module is compiled once per process and every sampler gets its own instance
// (and so its own linear memory). After the first await everything is synchronous.
import { compileEngine } from "./wasm-source.js";
import type { EngineExports } from "./layout.js";

let compiled: Promise<WebAssembly.Module> | undefined;

/** The smallest module that uses a SIMD instruction: () -> v128.const 0. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 11,
]);

/** Why the engine could not be compiled, in words a user can act on. */
export function engineError(cause: unknown): Error {
  const why = cause instanceof Error ? cause.message : String(cause);
  if (typeof WebAssembly !== "object") return new Error("llm-sampler needs WebAssembly, and this runtime has none");
  if (!WebAssembly.validate(SIMD_PROBE)) {
    return new Error(
      "llm-sampler needs WebAssembly SIMD, and this runtime does not support it " +
        `(Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+, Deno, Bun and workerd do): ${why}`,
    );
  }
  if (/disallow|code generation/i.test(why)) {
    return new Error(
      "llm-sampler could not compile its engine because this runtime forbids compiling WebAssembly from bytes " +
        `(workerd / Cloudflare Workers do): import the package with the "workerd" export condition, which loads ` +
        `llm-sampler/sampler.wasm as a module. (${why})`,
    );
  }
  return new Error(`llm-sampler could not compile its engine: ${why}`);
}

/** The compiled module, shared by every sampler in this process. */
export function engineModule(): Promise<WebAssembly.Module> {
  compiled ??= compileEngine().catch((e: unknown) => {
    compiled = undefined;
    throw engineError(e);
  });
  return compiled;
}

/** A fresh engine instance configured for `vocab` tokens and `rows` rows of logits. */
export async function createEngine(vocab: number, rows = 1): Promise<EngineExports> {
  const instance = await WebAssembly.instantiate(await engineModule(), {});
  const ex = instance.exports as unknown as EngineExports;
  if (ex.configure(vocab, rows) !== 0) {
    throw new RangeError(`vocabSize ${vocab} needs more WebAssembly memory than this runtime can grow to`);
  }
  return ex;
}
