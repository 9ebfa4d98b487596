// The same tokens on every runtime: test/runtimes/cases.ts, bundled once per entry (the default one with the
// inlined wasm, and the workerd one that imports sampler.wasm), runs in Node, Deno, Bun, headless Chromium
// (a page on 127.0.0.1) and workerd (a worker on 127.0.0.1). Every digest must equal the pinned one, which
// covers every token id and the exact bits of every probability, logprob and beam score the cases produce.
// Cold instantiate times go to test-output/runtimes.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { describe, expect, it, beforeAll } from "vitest";
// @ts-expect-error: a plain ESM script without types
import { prepare, runIn, RUNTIMES } from "./runtimes/harness.mjs";
import type { RuntimeReport } from "./runtimes/cases.js";

/**
 * Pinned when the cases were written (all five runtimes agreed on first run). Change it only for an
 * intended change of the token stream, and say so in the commit.
 */
const GOLDEN = "f8485b826092db371d6dd336fe84bc99a02f5885afa7e9d216ab5185f93af2c0";
const dir = new URL("../test-output/runtimes/", import.meta.url).pathname;
const reports: Record<string, RuntimeReport> = {};

describe("cross-runtime determinism", () => {
  beforeAll(async () => {
    await prepare("test/runtimes/cases-main.ts", dir);
  }, 120_000);

  for (const runtime of RUNTIMES as string[]) {
    it(`${runtime}: the digest of every case equals the golden digest`, async () => {
      const r = (await runIn(runtime, dir)) as RuntimeReport;
      reports[runtime] = r;
      expect(r.cases).toBe(15);
      expect(r.digest, JSON.stringify(r.perCase)).toBe(GOLDEN);
      mkdirSync(dir, { recursive: true });
      writeFileSync(dir + "../runtimes.json", JSON.stringify(
        Object.fromEntries(Object.entries(reports).map(([k, v]) => [k, { digest: v.digest, coldInstantiateMs: v.coldInstantiateMs }])),
        null, 2,
      ));
    }, 300_000);
  }
});
