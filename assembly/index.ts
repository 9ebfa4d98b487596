// The module's exports. Everything the wrapper calls is here; js/layout.ts names the same constants.
export { configure, offsetOf } from "./layout";
export { run, recover, accept, residual } from "./chain";
export { beamRow } from "./beam";
export { seedRandom, rngState, setRngState, xtcState, setXtcState } from "./rng";
import { powPos } from "./math";

/** x ** y in wasm, so that length penalties round the same on every runtime. */
export function powF64(x: f64, y: f64): f64 {
  return powPos(x, y);
}
