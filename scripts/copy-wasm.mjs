// Copies the release wasm next to the compiled JS, for bundlers that prefer a file.
import { copyFileSync } from "node:fs";

copyFileSync(new URL("../build/sampler.wasm", import.meta.url), new URL("../dist/sampler.wasm", import.meta.url));
