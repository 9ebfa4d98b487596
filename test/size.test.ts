// The bundle-size check of `npm run size` (scripts/size.mjs): fails when the default entry's minified,
// gzipped bundle grows past the 22 KB budget. Needs dist/ (npm test builds first).
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ESM script without types
import { measureSizes, TARGET_BYTES } from "../scripts/size.mjs";

describe("bundle size", () => {
  it("the createSampler + createBeamSearch bundle, wasm included, is within the budget", async () => {
    const rows: { entry: string; gzipped: number }[] = await measureSizes();
    expect(rows[0]!.gzipped).toBeGreaterThan(5000); // the wasm is in it
    expect(rows[0]!.gzipped).toBeLessThanOrEqual(TARGET_BYTES);
  });
});
