// Loading the engine: the module is compiled once per process and every sampler gets its own instance
// (and so its own linear memory). After the first await everything is synchronous.
import { instantiate } from "@assemblyscript/loader";
import { wasmBase64 } from "./generated/wasm-inline.js";
import type { EngineExports } from "./layout.js";

let compiled: Promise<WebAssembly.Module> | undefined;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled module, shared by every sampler in this process. */
export function engineModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(decodeBase64(wasmBase64)).catch((e: unknown) => {
    compiled = undefined;
    throw new Error(
      "llm-sampler needs WebAssembly with SIMD (the 128-bit v128 instructions); this runtime could not compile " +
        `the engine: ${e instanceof Error ? e.message : String(e)}`,
    );
  });
  return compiled;
}

/** A fresh engine instance configured for `vocab` tokens and `rows` rows of logits. */
export async function createEngine(vocab: number, rows = 1): Promise<EngineExports> {
  const { exports } = await instantiate<Record<string, unknown>>(await engineModule(), {});
  const ex = exports as unknown as EngineExports;
  if (ex.configure(vocab, rows) !== 0) {
    throw new RangeError(`vocabSize ${vocab} needs more WebAssembly memory than this runtime can grow to`);
  }
  return ex;
}
