// Loading the engine: the module is compiled once per process and every sampler gets its own instance
// (and so its own linear memory), taken from a pool of released ones when there is one. After the first
// await everything is synchronous.
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
        `(Chrome 91+, Firefox 89+, Safari 16.4+, Node, Deno, Bun and workerd do): ${why}`,
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

/**
 * Instances given back by dispose() or by the collection of a dropped sampler or beam search: the next
 * createEngine takes one instead of instantiating (an instance reserves gigabytes of address space, which
 * a process that creates and drops samplers quickly could otherwise exhaust before the collector runs).
 */
const pool: EngineExports[] = [];
/** Instances kept for reuse at most (their memory only grows; the rest are left to the collector). */
export const POOL_SIZE = 16;

export const DISPOSED = "disposed: create a new one";

/** Puts an instance no sampler or beam search uses any more into the pool. */
export function releaseEngine(ex: EngineExports): void {
  if (pool.length < POOL_SIZE) pool.push(ex);
}

/** Symbol.dispose (for `using`) where the runtime has it; the classes define it as dispose(). */
export const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol();

/**
 * Returns the instance of a sampler or beam search that was dropped without dispose(), once collected (every
 * runtime with WebAssembly SIMD has FinalizationRegistry).
 */
export const dropped = new FinalizationRegistry<EngineExports>(releaseEngine);

let fresh = 0;

/**
 * An engine instance (from the pool, or fresh) configured for `vocab` tokens and `rows` rows of logits. Every
 * 64th fresh one first yields to the event loop: FinalizationRegistry callbacks run only between tasks, and a
 * loop that creates and drops samplers without yielding would otherwise never see its instances come back
 * (Deno ran out of memory so).
 */
export async function createEngine(vocab: number, rows = 1): Promise<EngineExports> {
  if (!pool.length && ++fresh % 64 === 0) await new Promise((r) => setTimeout(r));
  const ex =
    pool.pop() ?? ((await WebAssembly.instantiate(await engineModule(), {})).exports as unknown as EngineExports);
  if (ex.configure(vocab, rows) !== 0) {
    throw new RangeError(`vocabSize ${vocab} needs more WebAssembly memory than this runtime can grow to`);
  }
  return ex;
}
