// Where the default entry gets its WebAssembly: the release module, deflated and inlined as base64 by
// scripts/inline-wasm.mjs, so nobody has to host a file. The workerd entry swaps this file for
// wasm-source-workerd.ts (workerd refuses to compile WebAssembly from bytes).
import { wasmDeflatedBase64 } from "./generated/wasm-inline.js";

async function inflate(base64: string): Promise<ArrayBuffer> {
  if (typeof DecompressionStream !== "function") {
    throw new Error("llm-sampler needs DecompressionStream (Node 18+, Deno, Bun, current browsers) to unpack its engine");
  }
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Response(stream).arrayBuffer();
}

/** Compiles the engine module. */
export async function compileEngine(): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await inflate(wasmDeflatedBase64));
}
