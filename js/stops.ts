// Stop matching in time linear in what is fed (Aho-Corasick): the stop strings over UTF-16 code units, the
// stop token sequences over token ids. Building costs O(total stop length); each symbol fed costs O(1)
// amortized, so a 100,000-character stop string costs no more per step than a short one.

/** The automaton over some patterns of numbers (code units or token ids). State 0 is the root. */
export class StopMatcher {
  // one slot per trie node, at most 1 + the total pattern length of them
  #sym: Int32Array;
  #firstChild: Int32Array;
  #nextSibling: Int32Array;
  #fail: Int32Array;
  /** Length of the longest pattern that ends at this state (0: none). */
  #out: Int32Array;
  /** Length of the longest proper prefix of a pattern that is a suffix of this state's string. */
  #held: Int32Array;
  readonly empty: boolean;

  /** Patterns: token-id arrays, or strings (their UTF-16 code units). */
  constructor(patterns: readonly (readonly number[] | string)[]) {
    this.empty = patterns.length === 0;
    let size = 1;
    for (const p of patterns) size += p.length;
    const sym = (this.#sym = new Int32Array(size));
    const first = (this.#firstChild = new Int32Array(size).fill(-1));
    const next = (this.#nextSibling = new Int32Array(size).fill(-1));
    const fail = (this.#fail = new Int32Array(size));
    const out = (this.#out = new Int32Array(size));
    const held = (this.#held = new Int32Array(size));
    const depth = new Int32Array(size);
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
        let f = fail[s]!,
          g = child(f, sym[c]!);
        while (g < 0 && f > 0) g = child((f = fail[f]!), sym[c]!);
        fail[c] = g >= 0 && g !== c ? g : 0;
      }
      const f = fail[s]!;
      if (out[s] === 0) out[s] = out[f]!;
      held[s] = first[s]! >= 0 ? depth[s]! : held[f]!;
    }
  }

  #child(s: number, c: number): number {
    for (let t = this.#firstChild[s]!; t >= 0; t = this.#nextSibling[t]!) if (this.#sym[t] === c) return t;
    return -1;
  }

  /** The state after feeding `c` in state `s`. */
  next(s: number, c: number): number {
    for (;;) {
      const t = this.#child(s, c);
      if (t >= 0) return t;
      if (s === 0) return 0;
      s = this.#fail[s]!;
    }
  }

  /** Length of the longest pattern ending at the last symbol fed (0: none): the match that starts earliest. */
  match(s: number): number {
    return this.#out[s]!;
  }

  /** How many of the last symbols fed may still begin a pattern (they must be held back). */
  heldBack(s: number): number {
    return this.#held[s]!;
  }
}
