// The engine's load errors: what a user sees on a runtime without SIMD or one that forbids compiling bytes.
import { afterEach, describe, expect, it, vi } from "vitest";
import { engineError } from "../js/engine.js";

afterEach(() => vi.restoreAllMocks());

describe("engine load errors", () => {
  it("says plainly when the runtime has no WebAssembly SIMD", () => {
    vi.spyOn(WebAssembly, "validate").mockReturnValue(false);
    const e = engineError(new WebAssembly.CompileError("invalid opcode 0xfd"));
    expect(e.message).toMatch(/needs WebAssembly SIMD.* this runtime does not support it/);
    expect(e.message).toContain("invalid opcode 0xfd");
  });

  it("points workerd users to the workerd export condition", () => {
    const e = engineError(new Error("WebAssembly.compile(): Wasm code generation disallowed by embedder"));
    expect(e.message).toMatch(/forbids compiling WebAssembly from bytes/);
    expect(e.message).toContain('"workerd" export condition');
  });

  it("passes any other compile error through with its message", () => {
    expect(engineError(new Error("out of memory")).message).toBe(
      "llm-sampler could not compile its engine: out of memory",
    );
  });

  it("the SIMD probe is a valid module on this runtime", () => {
    expect(engineError(new Error("x")).message).not.toMatch(/SIMD/);
  });
});
