// PCG-XSH-RR 32 (O'Neill 2014, pcg-random.org): 64-bit LCG state, 32-bit output. Integer-only, so the
// same seed gives the same stream on every runtime. Uniform doubles take 53 bits from two outputs.
const MULT: u64 = 6364136223846793005;
const STREAM: u64 = 0xda3e39cb94b95bdb; // fixed stream selector (pcg32's default increment source)

let state: u64 = 0;
let inc: u64 = (STREAM << 1) | 1;

function nextU32(): u32 {
  const old = state;
  state = old * MULT + inc;
  const xorshifted = <u32>(((old >> 18) ^ old) >> 27);
  const rot = <u32>(old >> 59);
  return rotr<u32>(xorshifted, rot);
}

/** pcg32_srandom(seed, STREAM). */
export function seedRandom(seed: u32): void {
  state = 0;
  inc = (STREAM << 1) | 1;
  nextU32();
  state += <u64>seed;
  nextU32();
}

/** Uniform double in [0, 1) with 53 random bits. */
export function nextDouble(): f64 {
  const a = nextU32() >> 5; // 27 bits
  const b = nextU32() >> 6; // 26 bits
  return (<f64>a * 67108864.0 + <f64>b) * (1.0 / 9007199254740992.0);
}

/** The 64-bit state, for saving and restoring a stream. */
export function rngState(): u64 { return state; }
export function setRngState(s: u64): void { state = s; }
