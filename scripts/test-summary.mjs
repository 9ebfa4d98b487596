// Prints vitest's JSON report (test-output/vitest.json) as one plain closing line: "tests: N passed, N failed".
import { readFileSync } from "node:fs";

const r = JSON.parse(readFileSync(new URL("../test-output/vitest.json", import.meta.url), "utf8"));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
if (r.numTotalTests === 0 || r.numFailedTests > 0) process.exit(1);
