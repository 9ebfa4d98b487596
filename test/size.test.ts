// The bundle-size check of `npm run size` (scripts/size.mjs): fails when the default entry's minified,
// gzipped bundle grows past the 22 KB budget. Needs dist/ (npm test builds first). And the check that the
// internal names scripts/bundle-dist.mjs shortens are never part of the public surface.
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ESM script without types
import { INTERNAL } from "../scripts/bundle-dist.mjs";
// @ts-expect-error: a plain ESM script without types
import { measureSizes, TARGET_BYTES } from "../scripts/size.mjs";

describe("bundle size", () => {
  it("the createSampler + createBeamSearch bundle, wasm included, is within the budget", async () => {
    const rows: { entry: string; gzipped: number }[] = await measureSizes();
    expect(rows[0]!.gzipped).toBeGreaterThan(5000); // the wasm is in it
    expect(rows[0]!.gzipped).toBeLessThanOrEqual(TARGET_BYTES);
  });
});

/**
 * Every property name a user can reach from the package's exports: the members of each exported value's
 * and type's type, and of their members' types, a few levels down (options, results, generations).
 */
function publicNames(): Set<string> {
  const entry = fileURLToPath(new URL("../js/index.ts", import.meta.url));
  const program = ts.createProgram([entry], { strict: true, target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const names = new Set<string>();
  const seen = new Set<ts.Type>();
  const visit = (type: ts.Type, depth: number): void => {
    if (depth > 4 || seen.has(type)) return;
    seen.add(type);
    if (type.isUnion() || type.isIntersection()) for (const t of type.types) visit(t, depth);
    for (const sig of type.getCallSignatures()) {
      visit(sig.getReturnType(), depth + 1);
      for (const p of sig.getParameters()) visit(checker.getTypeOfSymbol(p), depth + 1);
    }
    for (const p of type.getProperties()) {
      names.add(p.name);
      visit(checker.getTypeOfSymbol(p), depth + 1);
    }
  };
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  for (const e of checker.getExportsOfModule(module)) {
    const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    if (s.flags & ts.SymbolFlags.Value) visit(checker.getTypeOfSymbol(s), 0);
    if (s.flags & ts.SymbolFlags.Type) visit(checker.getDeclaredTypeOfSymbol(s), 0);
  }
  return names;
}

describe("shortened internal names", () => {
  it("no name scripts/bundle-dist.mjs shortens is a property of the public surface", () => {
    const names = publicNames();
    // the walk reaches the surface: a few names it must see
    for (const n of ["sample", "step", "tokens", "topK", "finishReason", "logprob", "numBeams"]) {
      expect(names.has(n), n).toBe(true);
    }
    expect((INTERNAL as string[]).filter((n) => names.has(n))).toEqual([]);
  });

  it("none is a property of a built-in the bundle may use (esbuild would rename that access too)", () => {
    const builtins: object[] = [Math, Promise, JSON, Object, Reflect, WebAssembly, globalThis, Number, String];
    for (const c of [Array, Float32Array, Uint8Array, String, RegExp, Map, Set, Object, Function, Error, Promise])
      builtins.push(c.prototype);
    builtins.push(Object.getPrototypeOf(Float32Array.prototype), WebAssembly.Memory.prototype, Response.prototype);
    builtins.push(Blob.prototype, ReadableStream.prototype, TextDecoder.prototype, performance);
    expect((INTERNAL as string[]).filter((n) => builtins.some((b) => n in b))).toEqual([]);
  });
});
