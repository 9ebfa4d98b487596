// Writes the package's one declaration file (run after tsc): dist/index.d.ts with the public surface only,
// every export of js/index.ts with its JSDoc and nothing internal (no SamplerImpl, no engine exports, no
// WebAssembly types), and dist/index.d.cts, the same for require(). tsc's per-module declarations are then
// removed. test/types.test.ts compiles a strict consumer against it without DOM or Node types.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { filesEnding } from "./bundle-dist.mjs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));

/** Every top-level declaration of the emitted .d.ts files, by name (functions keep all their overloads). */
function declarations(files) {
  const byName = new Map();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    for (const st of sf.statements) {
      let names = [];
      if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isFunctionDeclaration(st)) {
        if (st.name) names = [st.name.text];
      } else if (ts.isVariableStatement(st)) {
        names = st.declarationList.declarations.map((d) => d.name.getText(sf));
      } else continue;
      const full = text.slice(st.getFullStart(), st.getEnd()).replace(/^\s*\n/, "");
      for (const n of names) byName.set(n, [...(byName.get(n) ?? []), { file, text: full }]);
    }
  }
  return byName;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = filesEnding(dist, ".d.ts");
  const decls = declarations(files);
  const index = ts.createSourceFile("index.d.ts", readFileSync(`${dist}index.d.ts`, "utf8"), ts.ScriptTarget.ES2022);
  const exported = index.statements
    .filter(ts.isExportDeclaration)
    .flatMap((e) => e.exportClause.elements.map((el) => el.name.text));
  // the public names and every name they mention that is declared somewhere: the closure of the surface
  const out = new Map();
  const queue = [...exported];
  while (queue.length > 0) {
    const name = queue.shift();
    if (out.has(name)) continue;
    const found = decls.get(name);
    if (!found) throw new Error(`bundle-types: no declaration of ${name}`);
    // overloads of one function come from one file; an interface may merge across files (it does not here)
    const text = found
      .filter((d) => d.file === found[0].file)
      .map((d) => d.text)
      .join("\n");
    out.set(name, text);
    for (const m of text.matchAll(/\b[A-Z][A-Za-z]+\b/g)) if (decls.has(m[0]) && !out.has(m[0])) queue.push(m[0]);
  }
  const internal = [...out.keys()].filter((n) => !exported.includes(n));
  const body = [...out.values()]
    .map((t) =>
      t.includes("export ") ? t : t.replace(/^(\s*(?:\/\*\*[\s\S]*?\*\/\s*)?)(declare |interface |type )/, "$1$2"),
    )
    .join("\n\n");
  const header =
    "// llm-sampler: decoding-time sampling for language models, in WebAssembly SIMD. The public types.\n" +
    (internal.length > 0 ? `// Also declared (named by the public types): ${internal.join(", ")}.\n` : "");
  const text = `${header}\n${body}\n`;
  // llm-sampler/transformers keeps tsc's declaration file: it names only the public types (from ./index.js)
  // and transformers.js's (the peer dependency)
  const adapter = readFileSync(`${dist}transformers.d.ts`, "utf8");
  for (const m of adapter.matchAll(/from "([^"]+)"/g)) {
    if (m[1] !== "./index.js" && m[1] !== "@huggingface/transformers") {
      throw new Error(`bundle-types: transformers.d.ts imports ${m[1]}, which is not public`);
    }
  }
  for (const f of files) rmSync(f);
  writeFileSync(`${dist}transformers.d.ts`, adapter);
  writeFileSync(`${dist}transformers.d.cts`, adapter.replaceAll('from "./index.js"', 'from "./index.cjs"'));
  rmSync(`${dist}generated`, { recursive: true, force: true });
  writeFileSync(`${dist}index.d.ts`, text);
  writeFileSync(`${dist}index.d.cts`, text);
}
