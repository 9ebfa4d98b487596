// As a user installs it: the packed tarball (npm pack) installed into a fresh project (npm install, offline:
// the package has no dependencies), then the README's snippets in each runtime: Node ESM and CommonJS (this
// Node and 20.0.0), Deno, Bun, the <script type="module"> page and an esbuild browser bundle in Chromium, and
// workerd built and configured exactly as the README says (the port aside). Needs dist/ (npm test builds).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  launchChromium,
  NODE_OLDEST,
  nodeBinary,
  startProcess,
  startStaticServer,
  stopProcess,
  // @ts-expect-error: a plain ESM script without types
} from "./runtimes/harness.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = `${root}test-output/install/`;
const app = `${dir}app/`;
const bin = (n: string) => `${root}node_modules/.bin/${n}`;
const readme = readFileSync(`${root}README.md`, "utf8");

/** The README's `n`-th fenced block of `lang` after the text `after`. */
function block(lang: string, after: string, n = 0): string {
  const at = readme.indexOf(after);
  if (at < 0) throw new Error(`README: no "${after}"`);
  const all = [...readme.slice(at).matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))];
  if (!all[n]) throw new Error(`README: no ${lang} block ${n} after "${after}"`);
  return all[n]![1]!;
}

const sh = (cmd: string, args: string[], cwd = app) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });

/** What every runtime must print: the token the README's Node snippet gives, from an independent run. */
let expected = "";
const PROBE = `\nconsole.log("token", sampler.sample(new Float32Array(32000).map((_, i) => Math.sin(i))));\n`;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  // the package as npm would publish it (dist/ is built by npm test; the build needs no second run)
  sh("npm", ["pack", "--ignore-scripts", "--pack-destination", dir, "--silent"], root);
  const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  writeFileSync(`${app}package.json`, JSON.stringify({ name: "app", private: true, type: "module" }));
  sh("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", `${dir}${tgz}`]);
  writeFileSync(`${app}esm.mjs`, block("js", "**Node** (Node 20.0+") + PROBE);
  const cjs = block("js", "**Node** (Node 20.0+", 1).replace(
    /\.then\(\(sampler\) => [^;]*\);/,
    `.then((sampler) => {${PROBE}});`,
  );
  writeFileSync(`${app}cjs.cjs`, cjs);
  expected = sh(process.execPath, ["esm.mjs"]).trim();
}, 300_000);

describe("installed from the packed tarball", () => {
  it("the tarball holds dist (one bundle per entry, one declaration file, the wasm) and the licence", () => {
    const files = sh("tar", ["tzf", `${dir}${readdirSync(dir).find((f) => f.endsWith(".tgz"))}`], dir);
    for (const f of [
      "index.js",
      "index.cjs",
      "workerd.js",
      "index.d.ts",
      "index.d.cts",
      "sampler.wasm",
      "transformers.js",
      "transformers.cjs",
      "transformers.d.ts",
      "transformers.d.cts",
    ])
      expect(files).toContain(`package/dist/${f}`);
    expect(files).toContain("package/LICENSE");
    expect(files).not.toMatch(/package\/(js|test|assembly)\//);
  });

  it("Node: the README's ESM and CommonJS snippets, here and on Node 20.0.0", async () => {
    expect(expected).toMatch(/^token \d+$/);
    expect(sh(process.execPath, ["cjs.cjs"]).trim()).toBe(expected);
    const old = await nodeBinary(NODE_OLDEST);
    expect(sh(old, ["esm.mjs"]).trim()).toBe(expected);
    expect(sh(old, ["cjs.cjs"]).trim()).toBe(expected);
  }, 120_000);

  it("llm-sampler/transformers with transformers.js beside it (Node ESM and CommonJS, Deno, Bun, its types)", async () => {
    // the peer, as a user has it: the repository's own copy, linked into the app's node_modules
    mkdirSync(`${app}node_modules/@huggingface`, { recursive: true });
    rmSync(`${app}node_modules/@huggingface/transformers`, { force: true });
    symlinkSync(`${root}node_modules/@huggingface/transformers`, `${app}node_modules/@huggingface/transformers`);
    const body = (imports: string) => `${imports}
env.allowRemoteModels = false;
env.localModelPath = ${JSON.stringify(`${root}models/`)};
(async () => {
  const tokenizer = await AutoTokenizer.from_pretrained("tiny-kjv");
  const model = await AutoModelForCausalLM.from_pretrained("tiny-kjv", { dtype: "fp32" });
  const r = await generate(model, tokenizer, "And God said", { temperature: 0, maxNewTokens: 8 });
  console.log(r.tokens.join(","));
})();
`;
    writeFileSync(
      `${app}tf.mjs`,
      body(`import { AutoModelForCausalLM, AutoTokenizer, env } from "@huggingface/transformers";
import { generate } from "llm-sampler/transformers";`),
    );
    writeFileSync(
      `${app}tf.cjs`,
      body(`const { AutoModelForCausalLM, AutoTokenizer, env } = require("@huggingface/transformers");
const { generate } = require("llm-sampler/transformers");`),
    );
    const esm = sh(process.execPath, ["tf.mjs"]).trim();
    expect(esm).toMatch(/^\d+(,\d+){7}$/);
    expect(sh(process.execPath, ["tf.cjs"]).trim()).toBe(esm);
    // Deno and Bun load transformers.js's Node build (onnxruntime-node's native addon) too: the same tokens
    expect(sh(bin("deno"), ["run", "--quiet", "-A", "tf.mjs"]).trim()).toBe(esm);
    expect(sh(bin("bun"), ["run", "tf.mjs"]).trim()).toBe(esm);
    writeFileSync(
      `${app}tf.ts`,
      `import { AutoModelForCausalLM, AutoTokenizer } from "@huggingface/transformers";
import { generate, type GenerateResult } from "llm-sampler/transformers";
const tokenizer = await AutoTokenizer.from_pretrained("tiny-kjv");
const model = await AutoModelForCausalLM.from_pretrained("tiny-kjv");
const r: GenerateResult = await generate(model, tokenizer, "And God said", { topP: 0.9, stop: ["\\n"] });
export const n: number = r.tokens.length;
`,
    );
    const options = {
      strict: true,
      noEmit: true,
      target: "es2022",
      module: "esnext",
      moduleResolution: "bundler",
      skipLibCheck: true,
    };
    writeFileSync(`${app}tsconfig.tf.json`, JSON.stringify({ compilerOptions: options, files: ["tf.ts"] }));
    expect(() => sh(bin("tsc"), ["-p", "tsconfig.tf.json"])).not.toThrow();
  }, 120_000);

  it("TypeScript (strict, no DOM or Node types): the README's snippets under bundler and node16", () => {
    const ts = block("ts", "## Quick start").replace(/\n\s*model\.forward[^\n]*/g, "");
    for (const [name, mod, res] of [
      ["bundler.ts", "esnext", "bundler"],
      ["node16.mts", "node16", "node16"],
    ]) {
      writeFileSync(
        `${app}${name}`,
        `declare const promptIds: number[], eosId: number, logits: Float32Array, rows: Float32Array, batch: number,
  contexts: number[][], mask: Uint32Array, decode: (ids: number[]) => string;
${ts}`,
      );
      const options = {
        strict: true,
        noEmit: true,
        target: "es2022",
        module: mod,
        moduleResolution: res,
        types: [],
        lib: ["es2022"],
      };
      writeFileSync(`${app}tsconfig.${name}.json`, JSON.stringify({ compilerOptions: options, files: [name] }));
      expect(() => sh(bin("tsc"), ["-p", `tsconfig.${name}.json`]), name).not.toThrow();
    }
  }, 120_000);

  it("Deno and Bun: the same snippet from node_modules", () => {
    expect(sh(bin("deno"), ["run", "--quiet", "--allow-read", "--allow-env", "esm.mjs"]).trim()).toBe(expected);
    expect(sh(bin("bun"), ["run", "esm.mjs"]).trim()).toBe(expected);
  }, 120_000);

  describe("Chromium", () => {
    let server: { url: string; child: unknown };
    let browser: Browser;
    beforeAll(async () => {
      // the README's page, the token into the document's title
      const html = block("html", "**A browser page without a bundler**").replace(
        "console.log(sampler.sample(new Float32Array(32000)));",
        'document.title = "token " + sampler.sample(new Float32Array(32000).map((_, i) => Math.sin(i)));',
      );
      expect(html).toContain("document.title");
      writeFileSync(`${app}index.html`, html);
      // an esbuild browser bundle of the bundler snippet
      writeFileSync(
        `${app}bundled.mjs`,
        `${block("js", "**A browser page through a bundler**")}
const sampler = await createSampler({ vocabSize: 32000, seed: 1, topP: 0.9 });
document.title = ["token", sampler.sample(new Float32Array(32000).map((_, i) => Math.sin(i)))].join(" ");
`,
      );
      sh(bin("esbuild"), ["bundled.mjs", "--bundle", "--format=esm", "--platform=browser", "--outfile=bundle.js"]);
      writeFileSync(`${app}bundled.html`, `<script type="module" src="/bundle.js"></script>`);
      // a Vite production build of the same (its own page and asset folder, served under /vite/)
      mkdirSync(`${app}vite-src`, { recursive: true });
      copyFileSync(`${app}bundled.mjs`, `${app}vite-src/main.js`);
      writeFileSync(`${app}vite-src/index.html`, `<script type="module" src="./main.js"></script>`);
      sh(bin("vite"), [
        "build",
        "vite-src",
        "--base",
        "/vite/",
        "--outDir",
        "../vite",
        "--emptyOutDir",
        "--logLevel",
        "error",
      ]);
      server = await startStaticServer(app);
      browser = await launchChromium();
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      if (server) await stopProcess(server.child);
    });

    for (const [name, path] of [
      ['the <script type="module"> page', "index.html"],
      ["an esbuild browser bundle", "bundled.html"],
      ["a Vite production build", "vite/index.html"],
    ] as const) {
      it(name, async () => {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        await page.goto(`${server.url}/${path}`);
        await page.waitForFunction(() => document.title.startsWith("token"), null, { timeout: 60_000 });
        expect(errors).toEqual([]);
        expect(await page.title()).toBe(expected);
      }, 120_000);
    }
  });

  it("workerd: the README's worker, esbuild command and config.capnp", async () => {
    const worker = block("js", "**A Cloudflare worker**");
    writeFileSync(`${app}worker.js`, worker);
    const [esbuildLine, cpLine] = block("sh", "With plain `workerd`").split("\n");
    const esbuildArgs = esbuildLine!.replace(/^npx esbuild /, "").split(" ");
    sh(bin("esbuild"), esbuildArgs);
    mkdirSync(`${app}out`, { recursive: true });
    expect(cpLine).toBe("cp node_modules/llm-sampler/dist/sampler.wasm out/");
    copyFileSync(`${app}node_modules/llm-sampler/dist/sampler.wasm`, `${app}out/sampler.wasm`);
    const port = await freePort();
    writeFileSync(
      `${app}config.capnp`,
      block("capnp", "With plain `workerd`").replace("127.0.0.1:8080", `127.0.0.1:${port}`),
    );
    const server = await startProcess(bin("workerd"), ["serve", `${app}config.capnp`], () =>
      // a GET answers (with an error: no logits) without drawing, so the probe below is the first draw
      fetch(`http://127.0.0.1:${port}/`).then(() => true),
    );
    try {
      const logits = new Float32Array(32000).map((_, i) => Math.sin(i));
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: logits });
      expect(`token ${(await res.json()).token}`).toBe(expected);
    } finally {
      await stopProcess(server.child);
    }
  }, 120_000);
});
