// Stop matching in time linear in what is fed (Aho-Corasick): the stop strings over UTF-16 code units, the
// stop token sequences over token ids. Building costs O(total stop length); each symbol fed costs O(1)
// amortized, so a 100,000-character stop string costs no more per step than a short one.

/** The automaton over some patterns of numbers (code units or token ids). State 0 is the root. */
export class StopMatcher {
  readonly empty: boolean;
  /** The state after feeding `c` in state `s`. */
  readonly next: (s: number, c: number) => number;
  /** Length of the longest pattern ending at the last symbol fed (0: none): the match that starts earliest. */
  readonly match: (s: number) => number;
  /** How many of the last symbols fed may still begin a pattern (they must be held back). */
  readonly heldBack: (s: number) => number;

  /** Patterns: token-id arrays, or strings (their UTF-16 code units). */
  constructor(patterns: readonly (readonly number[] | string)[]) {
    this.empty = patterns.length === 0;
    let size = 1;
    for (const p of patterns) size += p.length;
    // one slot per trie node, at most 1 + the total pattern length of them
    const array = () => new Int32Array(size);
    const sym = array(),
      first = array().fill(-1),
      next = array().fill(-1),
      fail = array(),
      depth = array(),
      out = array(), // the longest pattern that ends at the node (0: none)
      held = array(); // the longest proper prefix of a pattern that is a suffix of the node's string
    const child = (s: number, c: number) => {
      for (let t = first[s]!; t >= 0; t = next[t]!) if (sym[t] === c) return t;
      return -1;
    };
    let nodes = 1;
    for (const p of patterns) {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = typeof p === "string" ? p.charCodeAt(i) : p[i]!;
        let t = child(s, c);
        if (t < 0) {
          t = nodes++;
          sym[t] = c;
          next[t] = first[s]!;
          first[s] = t;
          depth[t] = depth[s]! + 1;
        }
        s = t;
      }
      out[s] = depth[s]!; // terminal: completed below with the failure links
    }
    // breadth first: every state's failure link is a shallower state
    const queue = new Int32Array(nodes);
    let tail = 0;
    for (let c = first[0]!; c >= 0; c = next[c]!) queue[tail++] = c;
    for (let head = 0; head < tail; head++) {
      const s = queue[head]!;
      for (let c = first[s]!; c >= 0; c = next[c]!) {
        queue[tail++] = c;
        let f = fail[s]!;
        let g = child(f, sym[c]!);
        while (g < 0 && f > 0) {
          f = fail[f]!;
          g = child(f, sym[c]!);
        }
        fail[c] = g >= 0 && g !== c ? g : 0;
      }
      const f = fail[s]!;
      if (out[s] === 0) out[s] = out[f]!;
      held[s] = first[s]! >= 0 ? depth[s]! : held[f]!;
    }
    this.next = (s, c) => {
      for (;;) {
        const t = child(s, c);
        if (t >= 0 || s === 0) return Math.max(t, 0);
        s = fail[s]!;
      }
    };
    this.match = (s) => out[s]!;
    this.heldBack = (s) => held[s]!;
  }
}
