// Streaming detokenization with bounded work: token ids in, text out, nothing emitted that a later token
// could still change, nothing lost, nothing emitted twice.
//
// The rule (README, "Streaming"): text is released once one more token has not changed it, that is the
// longest common prefix of decode(window) before and after the latest token; a trailing run of U+FFFD (an
// incomplete character of a byte-level tokenizer) is held too, until it completes or has stayed U+FFFD for
// 4 more tokens (UTF-8 needs at most 4 bytes), after which it is real text. decode sees a short window of
// the latest tokens, never the whole sequence: tokens whose text is released are dropped from its front,
// keeping KEEP of them as context (SentencePiece decodes a token differently at the start).
import { typeError } from "./errors.js";

/** Released tokens kept in front of the window as decoding context. */
const KEEP = 6;
/** The window is trimmed back to KEEP tokens once it is longer than this. */
const TRIM_AT = 12;
/** A decoder that keeps changing its text cannot hold more than this many tokens. */
const HARD_LIMIT = 64;
/** Pushes a trailing U+FFFD waits before it counts as text. */
const FFFD_WAIT = 4;

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

export class Detokenizer {
  /** The latest tokens: released context, then the tokens whose text is still held. */
  #window: number[] = [];
  /** decode(window) as of the last push. */
  #text = "";
  /** How much of `text` is released. */
  #released = 0;
  /** Where the held U+FFFD run starts, and for how many pushes it has been held. */
  #fffdAt = -1;
  #fffdWait = 0;

  readonly #decodeFn: (tokens: number[]) => string;

  constructor(decodeFn: (tokens: number[]) => string) {
    this.#decodeFn = decodeFn;
  }

  #decode(tokens: number[]): string {
    const s = this.#decodeFn(tokens.slice());
    if (typeof s !== "string") throw typeError("decode", "a function that returns a string", s);
    return s;
  }

  /**
   * Adds a token; returns the text it releases. Throws only if decode throws, and then changes nothing.
   */
  push(token: number): string {
    const window = [...this.#window, token];
    const text = this.#decode(window);
    const start = this.#released;
    const stable = Math.max(start, commonPrefix(this.#text, text));
    let end = stable;
    while (end > start && text.charCodeAt(end - 1) === 0xfffd) end--;
    let fffdAt = -1,
      fffdWait = 0;
    if (end < stable) {
      fffdAt = end;
      fffdWait = this.#fffdAt === end ? this.#fffdWait + 1 : 1;
      if (fffdWait >= FFFD_WAIT) {
        end = stable;
        fffdAt = -1;
        fffdWait = 0;
      }
    }
    // Everything that can throw is done (unless trimming decodes below, which assigns nothing before it).
    let w = window,
      t = text,
      released = end;
    if (w.length > TRIM_AT) {
      const kept = w.slice(w.length - KEEP);
      const keptText = this.#decode(kept);
      const cut = t.length - keptText.length;
      const fits = t.endsWith(keptText) && cut <= released;
      if (fits || w.length > HARD_LIMIT) {
        w = kept;
        t = keptText;
        released = Math.max(0, released - cut);
        if (fffdAt >= 0) fffdAt -= cut;
      }
    }
    this.#window = w;
    this.#text = t;
    this.#released = released;
    this.#fffdAt = fffdAt;
    this.#fffdWait = fffdWait;
    return text.slice(start, end);
  }

  /** The text decoded but not released yet (the next token may still change it). */
  pending(): string {
    return this.#text.slice(this.#released);
  }

  /** Everything still held: the sequence ended, so nothing can change it any more. */
  flush(): string {
    const out = this.#text.slice(this.#released);
    this.#window = [];
    this.#text = "";
    this.#released = 0;
    this.#fffdAt = -1;
    this.#fffdWait = 0;
    return out;
  }

  /** The state, for a caller that must undo a push (a failed step). */
  save(): unknown {
    return [this.#window, this.#text, this.#released, this.#fffdAt, this.#fffdWait];
  }

  restore(s: unknown): void {
    [this.#window, this.#text, this.#released, this.#fffdAt, this.#fffdWait] = s as [
      number[],
      string,
      number,
      number,
      number,
    ];
  }
}
