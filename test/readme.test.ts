// Every TypeScript and JavaScript snippet of the README typechecks against the library's sources (strict):
// each fenced ```ts / ```js block becomes a module, with the names the prose leaves to the reader (the model,
// the tokenizer, the prompt) declared once, below, and "llm-sampler" resolved to js/index.ts. The html
// block is a page (its script is the Node snippet's import from a served path), the sh blocks are commands.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = `${root}test-output/readme/`;

/** What the snippets use without defining: a model, a tokenizer, ids, options from the reader's code. */
const AMBIENT = `
declare global {
  const vocabSize: number;
  const promptIds: number[];
  const eosId: number;
  const eotId: number;
  const eosTokenId: number;
  const lastToken: number;
  const maxNewTokens: number;
  const logits: Float32Array;
  const rows: Float32Array;
  const batch: number;
  const contexts: number[][];
  const mask: Uint32Array;
  const generationConfigJson: string;
  const decode: (ids: number[]) => string;
  const tokenizer: { decode(ids: number[]): string };
  /** Writes the next-token logits after \`tokens\` into \`out\`. */
  const model: { forward(tokens: number | number[], out: Float32Array): void };
  const draftModel: { forward(tokens: number[], out: Float32Array): void };
  /** The logits after the context and after each draft token: (draft.length + 1) rows, one forward pass. */
  const targetModel: { forwardRows(context: number[], draft: number[]): Float32Array };
}
export {};
`;

const LIBRARY = ["createSampler", "createBeamSearch", "verifyDraft", "fromOpenAI", "fromGenerationConfig"];

function snippets(): { lang: string; code: string; line: number }[] {
  const text = readFileSync(`${root}README.md`, "utf8");
  const out: { lang: string; code: string; line: number }[] = [];
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ lang: m[1]!, code: m[2]!, line: text.slice(0, m.index).split("\n").length });
  }
  return out;
}

describe("README snippets", () => {
  it("every sh block says which test or CI step runs it", () => {
    const text = readFileSync(`${root}README.md`, "utf8");
    const unmarked = [...text.matchAll(/(^.*\n)```sh\n/gm)].filter((m) => !/^<!-- run by: .+ -->$/.test(m[1]!.trim()));
    expect(unmarked.map((m) => m.index)).toEqual([]);
    for (const m of text.matchAll(/<!-- run by: ([\w./-]+)/g)) {
      const file = m[1]!;
      if (file.includes("/")) expect(readFileSync(`${root}${file}`, "utf8").length, file).toBeGreaterThan(0);
    }
  });

  it("every ts and js block typechecks (strict) against the library", () => {
    const blocks = snippets();
    const code = blocks.filter((b) => b.lang === "ts" || b.lang === "js");
    expect(code.length).toBeGreaterThanOrEqual(10);
    expect(blocks.filter((b) => !["ts", "js", "sh", "html", "capnp", ""].includes(b.lang))).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}ambient.d.ts`, AMBIENT);
    const files = [`${dir}ambient.d.ts`];
    for (const b of code) {
      // the library's names the block uses but does not import itself (snippets that continue an earlier one)
      const imported = new Set(
        [...b.code.matchAll(/import \{([^}]*)\}|const \{([^}]*)\} = require\(/g)]
          .flatMap((m) => (m[1] ?? m[2])!.split(","))
          .map((s) => s.trim()),
      );
      const missing = LIBRARY.filter((n) => !imported.has(n) && new RegExp(`\\b${n}\\b`).test(b.code));
      const head = missing.length > 0 ? `import { ${missing.join(", ")} } from "llm-sampler";\n` : "";
      const file = `${dir}line-${b.line}.${b.lang === "ts" ? "ts" : "mjs"}`;
      writeFileSync(file, `${head}${b.code}\nexport {};\n`);
      files.push(file);
    }
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowJs: true,
      checkJs: true,
      skipLibCheck: true,
      types: ["node"],
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      baseUrl: root,
      paths: {
        "llm-sampler": ["js/index.ts"],
        "npm:llm-sampler": ["js/index.ts"],
        "llm-sampler/transformers": ["js/transformers.ts"],
      },
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file
        ? `${d.file.fileName.replace(dir, "README ")}:${d.file.getLineAndCharacterOfPosition(d.start!).line}`
        : "";
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
    expect(errors).toEqual([]);
  }, 60_000);
});
