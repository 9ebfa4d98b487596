// Streaming detokenization with bounded work: token ids in, text out, nothing emitted that a later token
// could still change, nothing lost, nothing emitted twice.
//
// The rule (README, "Streaming"): text is released once one more token has not changed it, that is the
// longest common prefix of decode(window) before and after the latest token. A trailing run of U+FFFD (an
// incomplete character of a byte-level tokenizer) and of spaces (Hugging Face's clean-up removes a space
// before ".", "'s", ... and around " ' ") is held too, until something follows it or it has waited for
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
/** Pushes a held tail (U+FFFD, spaces) waits before it counts as text. */
const TAIL_WAIT = 4;

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
  /** Where the held tail starts, and for how many pushes it has been held. */
  #tailAt = -1;
  #tailWait = 0;

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
    for (let c = text.charCodeAt(end - 1); end > start && (c === 0xfffd || c === 0x20); c = text.charCodeAt(end - 1))
      end--;
    let tailAt = -1,
      tailWait = 0;
    if (end < stable) {
      tailAt = end;
      tailWait = this.#tailAt === end ? this.#tailWait + 1 : 1;
      if (tailWait >= TAIL_WAIT) {
        end = stable;
        tailAt = -1;
        tailWait = 0;
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
      const fits = t.endsWith(keptText) && cut <= end;
      if (fits || w.length > HARD_LIMIT) {
        // a decoder whose text keeps changing is cut off here: what the dropped tokens held is released
        if (!fits) end = Math.max(end, Math.min(cut, t.length));
        w = kept;
        t = keptText;
        released = Math.max(0, end - cut);
        tailAt = tailAt >= cut ? tailAt - cut : -1;
      }
    }
    this.#window = w;
    this.#text = t;
    this.#released = released;
    this.#tailAt = tailAt;
    this.#tailWait = tailWait;
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
    this.#tailAt = -1;
    this.#tailWait = 0;
    return out;
  }

  /** The state, for a caller that must undo a push (a failed step). */
  save(): unknown {
    return [this.#window, this.#text, this.#released, this.#tailAt, this.#tailWait];
  }

  restore(s: unknown): void {
    [this.#window, this.#text, this.#released, this.#tailAt, this.#tailWait] = s as [
      number[],
      string,
      number,
      number,
      number,
    ];
  }
}
