// npm run bench:runtimes [-- --json]: bench/portable.mjs, bundled once per entry, run in Node, Deno, Bun,
// headless Chromium and workerd; prints one table (rows: scenario x vocab size, columns: runtimes, median
// microseconds per call) and each runtime's cold instantiate time. --json writes bench/runtimes.json.
import { writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { prepare, runIn, RUNTIMES } from "../test/runtimes/harness.mjs";

const dir = fileURLToPath(new URL("../test-output/bench-runtimes/", import.meta.url));
await prepare("bench/portable.mjs", dir);
const results = {};
for (const rt of RUNTIMES) {
  process.stderr.write(`${rt}... `);
  try {
    results[rt] = await runIn(rt, dir);
    process.stderr.write(`done\n`);
  } catch (e) {
    process.stderr.write(`failed: ${String(e).split("\n")[0]}\n`);
  }
}
const ran = RUNTIMES.filter((r) => results[r]);
const machine = `${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores`;
console.log(`\nllm-sampler across runtimes: ${machine}; median us per call\n`);
console.log(`| scenario | vocab | ${ran.join(" | ")} |`);
console.log(`|---|---:|${ran.map(() => "---:").join("|")}|`);
const first = results[ran[0]]?.rows ?? [];
for (const [i, row] of first.entries()) {
  console.log(`| ${row.scenario} | ${row.vocab} | ${ran.map((r) => results[r].rows[i].us.toFixed(1)).join(" | ")} |`);
}
console.log(`| cold instantiate (ms) | | ${ran.map((r) => results[r].coldInstantiateMs.toFixed(1)).join(" | ")} |`);
if (process.argv.includes("--json")) {
  writeFileSync(new URL("./runtimes.json", import.meta.url), JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2));
}
if (ran.length < RUNTIMES.length) process.exitCode = 1;
