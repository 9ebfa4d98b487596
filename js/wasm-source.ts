// Where the default entry gets its WebAssembly: the release module, deflated and inlined as base64 by
// scripts/inline-wasm.mjs, so nobody has to host a file. The workerd entry swaps this file for
// wasm-source-workerd.ts (workerd refuses to compile WebAssembly from bytes).
import { wasmDeflatedBase64 } from "./generated/wasm-inline.js";

interface Zlib {
  inflateSync(b: Uint8Array): Uint8Array<ArrayBuffer>;
}
type GetBuiltin = (name: string) => unknown;

async function inflate(base64: string): Promise<BufferSource> {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  // Node (20.16+): zlib directly. Its DecompressionStream costs 40-50 ms the first time (the web streams
  // start up), zlib well under one; the bytes are the same either way. Not in Deno (its node:zlib loads
  // the Node compatibility layer, slower than its DecompressionStream) nor Bun (no faster).
  const g = globalThis as { process?: { getBuiltinModule?: GetBuiltin }; Deno?: unknown; Bun?: unknown };
  const getBuiltin = g.Deno === undefined && g.Bun === undefined ? g.process?.getBuiltinModule : undefined;
  const zlib = typeof getBuiltin === "function" ? (getBuiltin("node:zlib") as Zlib | undefined) : undefined;
  if (zlib && typeof zlib.inflateSync === "function") return zlib.inflateSync(bytes);
  if (typeof DecompressionStream !== "function") {
    throw new Error(
      "llm-sampler needs DecompressionStream (Node 18+, Deno, Bun, current browsers) to unpack its engine",
    );
  }
  // "deflate" (the zlib format) where "deflate-raw" would need Node 20.12+
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(stream).arrayBuffer();
}

/** Compiles the engine module. */
export async function compileEngine(): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await inflate(wasmDeflatedBase64));
}
