// Formatter and linter: Biome (biome.json) over the whole tree. AssemblyScript's function decorators
// (`@inline function`) are not TypeScript, so Biome cannot parse assembly/ as it stands: those files are
// checked as copies in a temporary folder with `@inline` turned into a comment marker, and fixes come back.
//   node scripts/lint.mjs          check (CI): exits 1 on any formatting or lint finding
//   node scripts/lint.mjs --fix    apply Biome's safe fixes and formatting
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const fix = process.argv.includes("--fix");
const root = new URL("..", import.meta.url).pathname;
const biome = join(root, "node_modules/@biomejs/biome/bin/biome");
const MARK = "/*@inline*/ ";
const TREE = ["js", "test", "bench", "scripts", "demo", "playground", "vitest.config.ts", "biome.json"];
const run = (cwd, paths) =>
  spawnSync(process.execPath, [biome, "check", ...(fix ? ["--write"] : []), ...paths], { cwd, stdio: "inherit" })
    .status;

let failed = run(root, TREE) !== 0;

const tmp = mkdtempSync(join(tmpdir(), "llm-sampler-lint-"));
try {
  const config = JSON.parse(readFileSync(join(root, "biome.json"), "utf8"));
  config.vcs = { enabled: false };
  config.files = { includes: ["**"] };
  writeFileSync(join(tmp, "biome.json"), JSON.stringify(config));
  mkdirSync(join(tmp, "assembly"));
  const names = readdirSync(join(root, "assembly")).filter((n) => n.endsWith(".ts"));
  for (const n of names) {
    const text = readFileSync(join(root, "assembly", n), "utf8");
    writeFileSync(join(tmp, "assembly", n), text.replace(/^@inline /gm, MARK));
  }
  if (run(tmp, ["assembly"]) !== 0) failed = true;
  if (fix) {
    for (const n of names) {
      const text = readFileSync(join(tmp, "assembly", n), "utf8").replaceAll(MARK, "@inline ");
      if (text !== readFileSync(join(root, "assembly", n), "utf8")) writeFileSync(join(root, "assembly", n), text);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (failed) {
  if (!fix) console.error("lint: findings above; `npm run lint:fix` applies the formatting and the safe fixes");
  process.exit(1);
}
