// The top-p cut over the dense distribution and over candidates, and the draw that makes a final top-p
// cut unnecessary (rejection sampling). Typical sampling shares the mass cut (cutByMass).
import { vpad, ptr, param, F_EXP, F_CAND_IDX, F_CAND_VAL, P_TOP_P, FLAG_SAMPLE } from "./layout";
import {
  gatherRange,
  countGE,
  drawMaskedBlocks,
  massBefore,
  beforeMass,
  beforeCount,
  tieCount,
  massAbove,
  aboveMass0,
  aboveMass1,
  aboveMass2,
  aboveMass3,
  aboveCount0,
  aboveCount1,
  aboveCount2,
  aboveCount3,
} from "./kernels";
import { BY_VALUE, wselect, idAt, valAt } from "./select";
import { nextDouble } from "./rng";
import {
  dense,
  wPtr,
  lo,
  mx,
  eValid,
  eZ,
  eCut,
  s,
  n,
  runFlags,
  lastOp,
  setW,
  minKeep,
  patch,
  floorThr,
  denseExp,
  blockSums,
  gatherKept,
} from "./state";

// Float32 logits carry ~1e-7 relative error, so a cumulative mass equal to p on paper may land just below
// it: within this factor it counts as reached (top-p, typical). Both libraries' published tables agree.
export const MASS_SLACK: f64 = 1 - 1e-6;

/** Top-p was left to the draw (see denseTopP), or typical sampling's top-p-like cut (deferTies). */
export let deferTopP = false;
/** The deferred cut's mass fraction; with deferTies (typical sampling) tokens tied with the cut stay. */
export let deferP: f64 = 0;
export let deferTies = false;
/** Typical's deferred cut lies below deferThr, above which the tokens weigh deferMass and number deferCount. */
export let deferThr: f32 = 0;
export let deferMass: f64 = 0;
export let deferCount = 0;

/** Keeps the first candidates in value order whose weight (in F_CAND_W) reaches target, at least minKeep. */
export function cutByMass(target: f64): void {
  const j = wselect(n, BY_VALUE, target, false);
  let m = j + 1;
  const mk = min(minKeep(), n);
  if (m < mk) {
    wselect(n, BY_VALUE, <f64>mk, true);
    m = mk;
  }
  n = m;
}

/**
 * Dense top-p. When it is the last transform and only a draw is wanted, it is left to the draw
 * (rejection sampling, see drawTopP); otherwise the cut is placed now.
 */
export function denseTopP(): void {
  if (lastOp && runFlags == FLAG_SAMPLE) {
    deferTopP = true;
    deferP = param(P_TOP_P);
    deferTies = false;
    return;
  }
  cutTopP(denseExp(false));
}

/** At most this many tokens at or above a drawn token are gathered to sum the mass ahead of it. */
const AHEAD_LIMIT: i32 = 1024;

/**
 * Draws from the untruncated distribution and accepts the token if the mass strictly ahead of it (higher
 * logits, or equal logits with lower ids) is below p * Z, or its rank is below minKeep: exactly the top-p
 * distribution (expected rounds: 1 / p). One exp pass (stored, with block sums); per round a draw that
 * walks the block sums and one block, then a gather of the tokens at or above the drawn one, whose stored
 * exp values are summed. Where more than AHEAD_LIMIT tokens lie ahead (a token of a flat bulk), the round
 * sums the mass ahead with one pass over the stored values instead. After 16 rejections the cut is placed
 * and the draw proceeds as usual. Returns the token, or -1 for the latter.
 */
export function drawTopP(): i32 {
  const e = ptr(F_EXP);
  const z = eValid && lo <= eCut ? eZ : denseExp(false); // typical's pass serves as it is
  const target = deferP * z * MASS_SLACK;
  const mk = minKeep();
  for (let round = 0; round < 16; round++) {
    const d = drawMaskedBlocks(e, wPtr, vpad, blockSums(), floorThr(), nextDouble() * z);
    // d >= 0: z >= 1 (the max token weighs 1), so some block sum is positive
    const v = load<f32>(wPtr + ((<usize>d) << 2));
    let before: f64 = 0;
    let rank = 0;
    const c = gatherKept(v, AHEAD_LIMIT);
    if (c >= 0) {
      for (let i = 0; i < c; i++) {
        const x = valAt(i),
          id = idAt(i);
        if (x > <f64>v || (!deferTies && x == <f64>v && id < <u32>d)) {
          before += <f64>load<f32>(e + ((<usize>id) << 2));
          rank++;
        }
      }
    } else {
      massBefore(wPtr, e, vpad, v);
      before = beforeMass;
      rank = beforeCount;
      if (!deferTies && tieCount > 1) {
        for (let i = 0; i < d; i++) {
          if (load<f32>(wPtr + ((<usize>i) << 2)) == v) {
            before += <f64>load<f32>(e + ((<usize>i) << 2));
            rank++;
          }
        }
      }
    }
    if (before < target || rank < mk) return d;
  }
  // typical defers only with minTokensToKeep <= 1, which bracketCut always meets
  if (deferTies) bracketCut(target, deferThr, deferMass, deferCount, true);
  else cutTopP(z);
  return -1;
}

/** Places the top-p cut over the exp values in F_EXP (sum z). */
function cutTopP(z: f64): void {
  const floor = floorThr();
  const e = ptr(F_EXP);
  const target = param(P_TOP_P) * z * MASS_SLACK;
  const t = <f32>(<f64>mx - 8 / s);
  const top = t > floor ? t : floor;
  let c = gatherKept(top);
  let mass: f64 = 0;
  for (let i = 0; i < c; i++) {
    const w = <f64>load<f32>(e + ((<usize>idAt(i)) << 2));
    setW(i, w);
    mass += w;
  }
  if ((mass >= target && c >= minKeep()) || top <= floor) {
    n = c;
    dense = false;
    cutByMass(target);
    return;
  }
  if (bracketCut(target, top, mass, c, false)) return;
  // Every token as a candidate: exact, and slow only for inputs the bracketing could not narrow.
  c = gatherKept(floor);
  for (let i = 0; i < c; i++) setW(i, <f64>load<f32>(e + ((<usize>idAt(i)) << 2)));
  n = c;
  dense = false;
  cutByMass(target);
}

/** At most this many tokens are gathered to place a top-p cut inside its bracket. */
const BRACKET_TOKENS: i32 = 4096;

/**
 * Places the top-p cut when it lies deep in the distribution, staying dense: each pass measures the exact
 * mass and count above four thresholds inside the bracket [bLo, bHi) holding the cut, until the bracket
 * holds at most BRACKET_TOKENS tokens; those are gathered and the cut found by weighted quickselect.
 * Tokens tied with the cut but after it (higher ids) are set to -inf, unless keepTies (typical sampling keeps
 * every token as close to the entropy as the last one needed). Returns false if minKeep is not met.
 */
export function bracketCut(target: f64, hiThr: f32, hiMass: f64, hiCount: i32, keepTies: bool): bool {
  const e = ptr(F_EXP);
  const floor = floorThr();
  // Below 88 nats under the max every exp value is 0 in f32: nothing there carries mass.
  const deep = <f32>(<f64>mx - 88 / s);
  let bLo: f32 = deep > floor ? deep : floor;
  let loCount = countGE(wPtr, vpad, bLo);
  let bHi = hiThr,
    hm = hiMass,
    hc = hiCount;
  for (let pass = 0; pass < 8 && loCount - hc > BRACKET_TOKENS; pass++) {
    let t0: f32, t1: f32, t2: f32, t3: f32;
    if (pass == 0) {
      // the first pass spaces its thresholds geometrically in depth: 12, 18, 28, 48 nats
      t0 = max(<f32>(<f64>mx - 12 / s), bLo);
      t1 = max(<f32>(<f64>mx - 18 / s), bLo);
      t2 = max(<f32>(<f64>mx - 28 / s), bLo);
      t3 = max(<f32>(<f64>mx - 48 / s), bLo);
    } else {
      const w = <f64>bHi - <f64>bLo;
      t0 = <f32>(<f64>bHi - w * 0.2);
      t1 = <f32>(<f64>bHi - w * 0.4);
      t2 = <f32>(<f64>bHi - w * 0.6);
      t3 = <f32>(<f64>bHi - w * 0.8);
    }
    massAbove(wPtr, e, vpad, t0, t1, t2, t3);
    if (aboveMass0 >= target) {
      bLo = t0;
      loCount = aboveCount0;
    } else if (aboveMass1 >= target) {
      bHi = t0;
      hm = aboveMass0;
      hc = aboveCount0;
      bLo = t1;
      loCount = aboveCount1;
    } else if (aboveMass2 >= target) {
      bHi = t1;
      hm = aboveMass1;
      hc = aboveCount1;
      bLo = t2;
      loCount = aboveCount2;
    } else if (aboveMass3 >= target) {
      bHi = t2;
      hm = aboveMass2;
      hc = aboveCount2;
      bLo = t3;
      loCount = aboveCount3;
    } else {
      bHi = t3;
      hm = aboveMass3;
      hc = aboveCount3;
    }
    if (bHi <= bLo) break; // every token in the bracket has the same value: the quickselect orders them by id
  }
  const c = gatherRange(wPtr, vpad, bLo, bHi, ptr(F_CAND_IDX), ptr(F_CAND_VAL));
  if (c == 0) return false;
  for (let i = 0; i < c; i++) setW(i, <f64>load<f32>(e + ((<usize>idAt(i)) << 2)));
  const j = wselect(c, BY_VALUE, target - hm, false);
  if (hc + j + 1 < minKeep()) return false;
  const cut = valAt(j);
  if (!keepTies) for (let i = j + 1; i < c; i++) if (valAt(i) == cut) patch(idAt(i), -Infinity);
  lo = <f32>cut;
  return true;
}
