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

/** A detokenizer's state, replaced whole by each push (so a failed step restores it by reference). */
interface State {
  /** The latest tokens: released context, then the tokens whose text is still held. */
  w: number[];
  /** decode(w) as of the last push. */
  t: string;
  /** How much of `t` is released. */
  r: number;
  /** Where the held tail starts (-1: none), and for how many pushes it has been held. */
  at: number;
  wait: number;
}

const EMPTY: State = { w: [], t: "", r: 0, at: -1, wait: 0 };

export class Detokenizer {
  state = EMPTY;
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
    const old = this.state;
    let w = [...old.w, token];
    const text = this.#decode(w);
    const start = old.r;
    const stable = Math.max(start, commonPrefix(old.t, text));
    let end = stable;
    for (let c = text.charCodeAt(end - 1); end > start && (c === 0xfffd || c === 0x20); c = text.charCodeAt(end - 1))
      end--;
    let at = -1,
      wait = 0;
    if (end < stable) {
      at = end;
      wait = old.at === end ? old.wait + 1 : 1;
      if (wait >= TAIL_WAIT) {
        end = stable;
        at = -1;
        wait = 0;
      }
    }
    let t = text,
      r = end;
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
        r = Math.max(0, end - cut);
        at = at >= cut ? at - cut : -1;
      }
    }
    this.state = { w, t, r, at, wait };
    return text.slice(start, end);
  }

  /** The text decoded but not released yet (the next token may still change it). */
  pending(): string {
    return this.state.t.slice(this.state.r);
  }

  /** Everything still held: the sequence ended, so nothing can change it any more. */
  flush(): string {
    const out = this.pending();
    this.state = EMPTY;
    return out;
  }
}
