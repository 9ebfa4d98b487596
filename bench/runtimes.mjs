// npm run bench:runtimes [-- --json]: bench/portable.mjs, bundled once per entry, run in Node, Deno, Bun,
// headless Chromium and workerd; prints one table (rows: scenario x vocab size, columns: runtimes, median
// microseconds per call, the lower of two passes) and each runtime's cold instantiate time. --json writes
// bench/runtimes.json.
import { writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { prepare, runIn, RUNTIMES } from "../test/runtimes/harness.mjs";

const dir = fileURLToPath(new URL("../test-output/bench-runtimes/", import.meta.url));
await prepare("bench/portable.mjs", dir);
// Two passes, the second in reverse order, so that a slow phase of the machine (they last seconds here)
// does not land on one runtime only; each cell keeps the lower of its two medians.
const results = {};
for (const order of [RUNTIMES, [...RUNTIMES].reverse()]) {
  for (const rt of order) {
    process.stderr.write(`${rt}... `);
    try {
      const r = await runIn(rt, dir);
      const prev = results[rt];
      results[rt] = prev
        ? {
            coldInstantiateMs: Math.min(prev.coldInstantiateMs, r.coldInstantiateMs),
            rows: prev.rows.map((row, i) => ({ ...row, us: Math.min(row.us, r.rows[i].us) })),
          }
        : r;
      process.stderr.write("done\n");
    } catch (e) {
      process.stderr.write(`failed: ${String(e).split("\n")[0]}\n`);
    }
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
  writeFileSync(
    new URL("./runtimes.json", import.meta.url),
    JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2),
  );
}
if (ran.length < RUNTIMES.length) process.exitCode = 1;
