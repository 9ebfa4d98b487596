// PCG-XSH-RR 32 (O'Neill 2014, pcg-random.org): 64-bit LCG state, 32-bit output. Integer-only, so the
// same seed gives the same stream on every runtime. Uniform doubles take 53 bits from two outputs.
// Two streams from one seed: the draw, and XTC's own decision (llama.cpp gives XTC its own generator),
// so turning XTC on does not shift the tokens every other draw picks.
const MULT: u64 = 6364136223846793005;
const STREAM: u64 = 0xda3e39cb94b95bdb; // fixed stream selector (pcg32's default increment source)
const XTC_STREAM: u64 = 0x2545f4914f6cdd1d; // another odd stream selector

let state: u64 = 0;
const inc: u64 = (STREAM << 1) | 1;
let xstate: u64 = 0;
const xinc: u64 = (XTC_STREAM << 1) | 1;

@inline function output(old: u64): u32 {
  const xorshifted = <u32>(((old >> 18) ^ old) >> 27);
  const rot = <u32>(old >> 59);
  return rotr<u32>(xorshifted, rot);
}

function nextU32(): u32 {
  const old = state;
  state = old * MULT + inc;
  return output(old);
}

function nextXtcU32(): u32 {
  const old = xstate;
  xstate = old * MULT + xinc;
  return output(old);
}

/** pcg32_srandom(seed, STREAM) for the draw, and the same seed on the XTC stream. */
export function seedRandom(seed: u32): void {
  state = 0;
  nextU32();
  state += <u64>seed;
  nextU32();
  xstate = 0;
  nextXtcU32();
  xstate += <u64>seed;
  nextXtcU32();
}

/** Uniform double in [0, 1) with 53 random bits. */
export function nextDouble(): f64 {
  const a = nextU32() >> 5; // 27 bits
  const b = nextU32() >> 6; // 26 bits
  return (<f64>a * 67108864.0 + <f64>b) * (1.0 / 9007199254740992.0);
}

/** XTC's uniform double in [0, 1); with peek, the stream does not advance (probs() shows what sample() will do). */
export function nextXtcDouble(peek: bool): f64 {
  const saved = xstate;
  const a = nextXtcU32() >> 5;
  const b = nextXtcU32() >> 6;
  if (peek) xstate = saved;
  return (<f64>a * 67108864.0 + <f64>b) * (1.0 / 9007199254740992.0);
}

/** The 64-bit states, for saving and restoring the streams. */
export function rngState(): u64 {
  return state;
}
export function setRngState(s: u64): void {
  state = s;
}
export function xtcState(): u64 {
  return xstate;
}
export function setXtcState(s: u64): void {
  xstate = s;
}
