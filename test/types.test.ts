// The package's declarations, as a user's TypeScript sees them: one file (dist/index.d.ts, and index.d.cts
// for require), the public surface only, usable without DOM or Node types, from strict projects that resolve
// modules as bundlers do, as Node does (node16: ESM and CommonJS files). Needs dist/ (npm test builds first).
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = `${root}test-output/ts-consumer/`;

/** A user's file: the README's quick start, a generation, a beam search, a dialect, speculative decoding. */
const USE = `
const sampler = await createSampler({ vocabSize: 32000, seed: 1, topP: 0.9, mirostat: { version: 2 } });
const token: number = sampler.sample(new Float32Array(32000), [1, 2, 3]);
const gen = sampler.generation({ maxNewTokens: 8, eosTokenId: 2, decode: (ids) => ids.join(" ") });
const step = gen.step(new Float32Array(32000));
const reason: "eos" | "stop" | "length" | null = step.finishReason;
const beams = await createBeamSearch({ vocabSize: 32000, numBeams: 4, maxNewTokens: 8 });
beams.step(new Float32Array(32000));
const cfg = fromGenerationConfig({ do_sample: true, num_beams: 1 });
if (cfg.mode === "beam") await createBeamSearch({ vocabSize: 32000, ...cfg.beamSearch });
else await createSampler({ vocabSize: 32000, ...cfg.sampler });
const verified = verifyDraft(gen, [1], null, new Float32Array(64000));
const options: SamplerOptions = { vocabSize: 10, order: LLAMA_ORDER.slice() };
export { token, reason, verified, options };
`;

function compile(files: string[], options: ts.CompilerOptions): string[] {
  const program = ts.createProgram(files, { strict: true, noEmit: true, skipLibCheck: false, types: [], ...options });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const at = d.file
      ? `${d.file.fileName.replace(root, "")}:${d.file.getLineAndCharacterOfPosition(d.start!).line + 1} `
      : "";
    return at + ts.flattenDiagnosticMessageText(d.messageText, "\n");
  });
}

describe("the package's declarations", () => {
  it("are one file, with the public surface only (no internal class, no engine or WebAssembly type)", () => {
    const dts = readdirSync(`${root}dist`).filter((f) => /\.d\.c?ts$/.test(f));
    // one per entry: llm-sampler and llm-sampler/transformers (which imports only the first and its peer)
    expect(dts.sort()).toEqual(["index.d.cts", "index.d.ts", "transformers.d.cts", "transformers.d.ts"]);
    const adapter = readFileSync(`${root}dist/transformers.d.ts`, "utf8");
    expect([...adapter.matchAll(/from "([^"]+)"/g)].map((m) => m[1]).sort()).toEqual([
      "./index.js",
      "@huggingface/transformers",
    ]);
    expect(readFileSync(`${root}dist/transformers.d.cts`, "utf8")).toContain('from "./index.cjs"');
    const text = readFileSync(`${root}dist/index.d.ts`, "utf8");
    for (const internal of [
      "SamplerImpl",
      "GenerationImpl",
      "EngineExports",
      "WebAssembly.",
      "Views",
      "Resolved",
      "OP_",
    ])
      expect(text, internal).not.toContain(internal);
    expect(text).toContain("export declare function createSampler");
    expect(text).toMatch(/\/\*\*[^*]*\*/); // JSDoc comes along
  });

  it("typecheck a strict user project without DOM or Node types: bundler and node16 (ESM and CommonJS)", () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(`${dir}node_modules`, { recursive: true });
    symlinkSync(root, `${dir}node_modules/llm-sampler`, "dir");
    writeFileSync(`${dir}package.json`, JSON.stringify({ type: "module" }));
    const imports = `import { createSampler, createBeamSearch, fromGenerationConfig, verifyDraft, LLAMA_ORDER, type SamplerOptions } from "llm-sampler";\n`;
    writeFileSync(`${dir}bundler.ts`, imports + USE);
    writeFileSync(`${dir}esm.mts`, imports + USE);
    // CommonJS: no top-level await; the same calls inside a function
    writeFileSync(`${dir}cjs.cts`, `${imports}export async function main() {${USE.replace(/^export .*$/m, "")}}\n`);
    const lib = ["lib.es2022.d.ts"];
    expect(
      compile([`${dir}bundler.ts`], {
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        target: ts.ScriptTarget.ES2022,
        lib,
      }),
    ).toEqual([]);
    expect(
      compile([`${dir}esm.mts`, `${dir}cjs.cts`], {
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        target: ts.ScriptTarget.ES2022,
        lib,
      }),
    ).toEqual([]);
  }, 60_000);

  it("document every public option and method (JSDoc), and the README's option tables list every option", () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const missing: string[] = [];
    for (const file of ["index.d.ts", "transformers.d.ts"]) {
      const text = readFileSync(`${root}dist/${file}`, "utf8");
      const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
      for (const st of sf.statements) {
        if (!ts.isInterfaceDeclaration(st)) continue;
        const name = st.name.text;
        for (const m of st.members) {
          if (ts.isIndexSignatureDeclaration(m)) continue; // the dialects' "other fields"
          const key = m.name?.getText(sf) ?? "";
          if (
            ts.getJSDocCommentsAndTags(m).length === 0 &&
            !/^(vocabSize|logits|done|tokens|text|finishReason)$/.test(key)
          )
            missing.push(`${name}.${key}`);
          // the README's option tables: every option of the three top-level option objects
          if (
            ["SamplerOptions", "BeamSearchOptions", "GenerationOptions"].includes(name) &&
            !readme.includes(`\`${key}\``)
          )
            missing.push(`README: ${key}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
