// The Generation: the tokens of one sequence, EOS and length control, stop sequences (token ids, or
// strings matched on decoded text across token boundaries) and streaming text.
//
// Text flows in three holds, each released as soon as it can no longer matter:
//   1. tokens that could still begin a token-id stop sequence are not decoded yet (an automaton over ids);
//   2. the detokenizer holds the text that the next token could still change (js/detokenizer.ts);
//   3. decoded text that could still begin a stop string is not emitted yet (an automaton over characters).
// step() is a transaction: everything it changes is saved first and put back if anything throws.
import type { ContextLists } from "./context.js";
import { Detokenizer } from "./detokenizer.js";
import { eosIds, integer, MAX_INT, ownOptions, rangeError, show, tokenIds, typeError } from "./errors.js";
import { History } from "./history.js";
import { GENERATION_OPTIONS } from "./option-names.js";
import type { Resolved } from "./options.js";
import type { Views } from "./layout.js";
import type { SamplerImpl, TopLogprob } from "./sampler.js";
import { StopMatcher } from "./stops.js";

export interface GenerationOptions {
  /** Token ids before the generation; the penalties, n-gram bans and bad words see them. */
  prompt?: ArrayLike<number>;
  /** Default: unlimited. */
  maxNewTokens?: number;
  /** EOS is suppressed, and stop sequences cannot end the sequence, before this many new tokens. */
  minNewTokens?: number;
  /** One EOS id or several: the generation ends at one (finishReason "eos"). */
  eosTokenId?: number | number[];
  /** EOS tokens do not end the sequence (and are decoded like any token). */
  ignoreEos?: boolean;
  /** Stop strings (matched on decoded text, across token boundaries) or token-id sequences. */
  stop?: (string | number[])[];
  /** Default false: the stop string or sequence is not part of the text. */
  includeStopInOutput?: boolean;
  /** Token ids to text; required when `stop` has strings or when text is wanted. */
  decode?: (tokens: number[]) => string;
  /** Top log-probabilities to report per step (0 = only the chosen token's). */
  logprobs?: number;
}

export type FinishReason = "eos" | "stop" | "length" | null;

export interface StepResult {
  /** The token this step appended. */
  token: number;
  /** Newly emitted text: never a prefix of a stop string that may still complete. */
  text: string;
  done: boolean;
  finishReason: FinishReason;
  /** Its log-probability after the chain (0 under greedy). */
  logprob: number;
  /** With the logprobs option: the top log-probabilities of this step's distribution. */
  topLogprobs?: TopLogprob[];
}

export interface Generation {
  /** Samples, appends, checks EOS / stop / length. Omitted logits => sampler.logits. */
  step(logits?: Float32Array): StepResult;
  /** Generated so far (not the prompt; an EOS that ended the sequence included). */
  readonly tokens: number[];
  /** Emitted so far: the concatenation of every step's text. */
  readonly text: string;
  readonly done: boolean;
  readonly finishReason: FinishReason;
}

function flag(name: string, v: unknown): boolean {
  if (v !== undefined && typeof v !== "boolean") throw typeError(name, "a boolean", v);
  return v === true;
}

export class GenerationImpl implements Generation {
  readonly tokens: number[] = [];
  text = "";
  done = false;
  finishReason: FinishReason = null;

  readonly #history: History;
  readonly #maxNew: number;
  readonly #minNew: number;
  readonly #eos: number[];
  readonly #ignoreEos: boolean;
  readonly #strings: StopMatcher;
  readonly #seqs: StopMatcher;
  readonly #includeStop: boolean;
  readonly #detok: Detokenizer | null;
  readonly #nTop: number;
  /** Generated tokens handed to the detokenizer (or dropped: an ending EOS, a stop sequence). */
  #committed = 0;
  /** Mirostat's running mu for this sequence (NaN without mirostat). */
  #mirostatMu: number;
  /** Decoded text not emitted yet: it may begin a stop string. */
  #parts: string[] = [];
  /** The held text is #parts[#head ..], less the first #off characters; #heldLen characters in all. */
  #head = 0;
  #off = 0;
  #heldLen = 0;
  /** What this step emitted. */
  #out = "";
  #stringState = 0;
  #seqState = 0;
  /** Set while step() runs: decode must not re-enter. */
  #busy = false;
  /** The sampler's configure() count when this generation began. */
  readonly #epoch: number;

  readonly #sampler: SamplerImpl;
  readonly #lists: ContextLists;
  constructor(sampler: SamplerImpl, lists: ContextLists, r: Resolved, options: GenerationOptions) {
    this.#sampler = sampler;
    this.#epoch = sampler.epoch;
    this.#lists = lists;
    const V = r.vocabSize;
    const o = ownOptions("options", options, GENERATION_OPTIONS, "generation option");
    const prompt = o.prompt === undefined ? [] : tokenIds("prompt", o.prompt, V);
    this.#maxNew = o.maxNewTokens === undefined ? Infinity : integer("maxNewTokens", o.maxNewTokens, 1, MAX_INT);
    this.#minNew = o.minNewTokens === undefined ? 0 : integer("minNewTokens", o.minNewTokens, 0, MAX_INT);
    if (this.#minNew > this.#maxNew)
      throw rangeError("minNewTokens", `<= maxNewTokens (${this.#maxNew})`, this.#minNew);
    this.#eos = eosIds(o.eosTokenId, V);
    this.#ignoreEos = flag("ignoreEos", o.ignoreEos);
    this.#includeStop = flag("includeStopInOutput", o.includeStopInOutput);
    const strings: string[] = [];
    const seqs: number[][] = [];
    if (o.stop !== undefined) {
      if (!Array.isArray(o.stop)) throw typeError("stop", "an array of strings and token-id arrays", o.stop);
      const stop = o.stop as unknown[];
      const n = stop.length;
      for (let i = 0; i < n; i++) {
        const s = stop[i];
        if (typeof s === "string") {
          if (s.length === 0) throw rangeError(`stop[${i}]`, "a non-empty string", s);
          strings.push(s);
        } else if (typeof s === "object" && s !== null) {
          const ids = tokenIds(`stop[${i}]`, s, V);
          if (ids.length === 0) throw rangeError(`stop[${i}]`, "a non-empty array of token ids", s);
          seqs.push(ids);
        } else {
          throw typeError(`stop[${i}]`, "a string or an array of token ids", s);
        }
      }
    }
    if (o.decode !== undefined && typeof o.decode !== "function") throw typeError("decode", "a function", o.decode);
    if (strings.length > 0 && o.decode === undefined) {
      throw new TypeError(`decode is required when stop has strings (stop: ${show(o.stop)})`);
    }
    this.#strings = new StopMatcher(strings);
    this.#seqs = new StopMatcher(seqs);
    this.#detok = o.decode ? new Detokenizer(o.decode as (tokens: number[]) => string) : null;
    this.#nTop = o.logprobs === undefined ? 0 : integer("logprobs", o.logprobs, 0, V);
    this.#mirostatMu = r.mirostat ? 2 * r.mirostat.tau : NaN;
    this.#history = new History(r, prompt.length + Math.min(this.#maxNew, 1024));
    for (const t of prompt) this.#history.push(t);
  }

  step(logits?: Float32Array): StepResult {
    return this.#transaction(() => {
      this.#sampler.loadWith(logits, (v) => this.#history.write(v, this.#lists, this.#suppress()));
      const d = this.#sampler.drawWith(this.#mirostatMu, this.#nTop, true);
      this.#advance(d.token);
      // nothing below can throw: the step is committed
      this.#history.push(d.token);
      this.#mirostatMu = d.mu;
      const result: StepResult = {
        token: d.token,
        text: this.#out,
        done: this.done,
        finishReason: this.finishReason,
        logprob: d.logprob,
      };
      if (this.#nTop > 0) result.topLogprobs = d.top;
      return result;
    });
  }

  /**
   * A speculative step (js/speculative.ts): runs `body` inside this generation's transaction with the
   * sampler, a writer of the context lists for the next token (the tokens `take` appended so far count),
   * mirostat's mu, the number of top log-probabilities, and `take`, which appends a token (EOS, stops,
   * length; mirostat's next mu) and says whether the generation goes on.
   */
  spec(
    body: (
      s: SamplerImpl,
      write: (v: Views) => void,
      mu: number,
      nTop: number,
      take: (token: number, mu: number) => boolean,
    ) => void,
  ): void {
    this.#transaction(() =>
      body(
        this.#sampler,
        (v) => this.#history.write(v, this.#lists, this.#suppress()),
        this.#mirostatMu,
        this.#nTop,
        (t, mu) => {
          this.#advance(t);
          this.#history.push(t);
          this.#mirostatMu = mu;
          return !this.done;
        },
      ),
    );
  }

  /** EOS is banned at the next token while fewer than minNewTokens are generated. */
  #suppress(): readonly number[] {
    return !this.#ignoreEos && this.tokens.length < this.#minNew ? this.#eos : NONE;
  }

  /** Runs a step as a transaction: everything it changes (streams and mu included) is put back if it throws. */
  #transaction<T>(body: () => T): T {
    if (this.#busy) throw new Error(REENTERED);
    this.#sampler.guard();
    if (this.#sampler.epoch !== this.#epoch) {
      throw new RangeError("the sampler was configured after this generation began: start a new generation");
    }
    if (this.done)
      throw new RangeError(`step() after the generation is done (finishReason ${show(this.finishReason)})`);
    if (this.#heldLen === 0) {
      // nothing held (so #off is 0): start the queue afresh, outside the transaction
      this.#parts.length = 0;
      this.#head = 0;
    }
    this.#out = "";
    const streams = this.#sampler.saveStreams();
    const saved = this.#save();
    this.#busy = true;
    this.#sampler.busy = true;
    try {
      return body();
    } catch (e) {
      this.#restore(saved);
      this.#sampler.restoreStreams(streams);
      throw e;
    } finally {
      this.#busy = false;
      this.#sampler.busy = false;
    }
  }

  #save(): unknown[] {
    return [
      this.tokens.length,
      this.text,
      this.done,
      this.finishReason,
      this.#committed,
      this.#parts.length,
      this.#head,
      this.#off,
      this.#heldLen,
      this.#stringState,
      this.#seqState,
      this.#detok?.state,
      this.#history.length,
      this.#mirostatMu,
    ];
  }

  #restore(s: unknown[]): void {
    this.tokens.length = s[0] as number;
    this.#parts.length = s[5] as number; // parts are only appended within a step, never changed
    [, this.text, this.done, this.finishReason, this.#committed, , this.#head, this.#off, this.#heldLen] = s as [
      number,
      string,
      boolean,
      FinishReason,
      number,
      number,
      number,
      number,
      number,
    ];
    [this.#stringState, this.#seqState] = s.slice(9) as [number, number];
    if (this.#detok) this.#detok.state = s[11] as Detokenizer["state"];
    this.#history.truncate(s[12] as number);
    this.#mirostatMu = s[13] as number;
  }

  /** Appends the token and moves the text along: EOS, stop sequences, stop strings, length. */
  #advance(token: number): void {
    this.tokens.push(token);
    const n = this.tokens.length;
    const canStop = n >= this.#minNew;
    if (!this.#ignoreEos && this.#eos.includes(token)) {
      this.#commit(n - 1);
      this.#committed = n; // the EOS itself is not text
      this.#finish("eos");
      return;
    }
    if (!this.#seqs.empty) this.#seqState = this.#seqs.next(this.#seqState, token);
    const m = canStop ? this.#seqs.match(this.#seqState) : 0;
    if (m > 0) {
      this.#commit(this.#includeStop ? n : n - m);
      this.#committed = n;
      this.#finish("stop");
      return;
    }
    this.#commit(n - this.#seqs.heldBack(this.#seqState));
    // A stop string may already show in text the detokenizer still holds: end now, not a token later (the
    // flush in finish() decodes that text for good and cuts at the stop).
    if (!this.done && canStop && this.#detok && this.#stopAhead(this.#detok.pending())) this.#finish("stop");
    if (n >= this.#maxNew) this.#finish("length");
  }

  /** Hands generated tokens up to `upTo` to the detokenizer; their released text goes to emit(). */
  #commit(upTo: number): void {
    for (; this.#committed < upTo && !this.done; this.#committed++) {
      if (this.#detok) this.#emit(this.#detok.push(this.tokens[this.#committed]!), false);
    }
  }

  /**
   * Matches stop strings over new text and emits what can no longer begin one. Among stop matches that
   * complete in this text the one that starts earliest wins; `final`: nothing is held back.
   */
  #emit(fresh: string, final: boolean): void {
    if (this.done) return;
    const canStop = this.tokens.length >= this.#minNew;
    const base = this.#heldLen;
    let state = this.#stringState,
      cut = -1,
      cutEnd = 0;
    if (!this.#strings.empty) {
      for (let i = 0; i < fresh.length; i++) {
        state = this.#strings.next(state, fresh.charCodeAt(i));
        const len = canStop ? this.#strings.match(state) : 0;
        if (len > 0 && (cut < 0 || base + i + 1 - len < cut)) {
          cut = base + i + 1 - len;
          cutEnd = base + i + 1;
        }
      }
    }
    this.#stringState = state;
    if (fresh.length > 0) {
      this.#parts.push(fresh);
      this.#heldLen += fresh.length;
    }
    if (cut >= 0) {
      this.#release(this.#includeStop ? cutEnd : cut);
      this.#release(this.#heldLen, false);
      this.done = true;
      this.finishReason = "stop";
      return;
    }
    this.#release(final ? this.#heldLen : this.#heldLen - this.#strings.heldBack(state));
  }

  /** Whether a stop string completes in `ahead`, text that follows everything fed so far. */
  #stopAhead(ahead: string): boolean {
    if (this.#strings.empty) return false;
    let state = this.#stringState;
    for (let i = 0; i < ahead.length; i++) {
      state = this.#strings.next(state, ahead.charCodeAt(i));
      if (this.#strings.match(state) > 0) return true;
    }
    return false;
  }

  /** Emits the first `k` held characters (or drops them, with `keep` false). */
  #release(k: number, keep = true): void {
    this.#heldLen -= k;
    let out = "";
    while (k > 0) {
      const p = this.#parts[this.#head]!;
      const n = Math.min(k, p.length - this.#off);
      out += this.#off === 0 && n === p.length ? p : p.slice(this.#off, this.#off + n);
      k -= n;
      this.#off += n;
      if (this.#off === p.length) {
        this.#head++;
        this.#off = 0;
      }
    }
    if (keep) {
      this.text += out;
      this.#out += out;
    }
  }

  /** Ends the sequence: everything still held is decoded and emitted, up to a stop string if one appears. */
  #finish(reason: Exclude<FinishReason, null>): void {
    this.#commit(this.tokens.length);
    if (this.done) return; // a stop string in the committed text ended it
    this.#emit(this.#detok ? this.#detok.flush() : "", true);
    if (this.done) return;
    this.finishReason = reason;
    this.done = true;
  }
}

const NONE: readonly number[] = [];
export const REENTERED = "decode called back into its generation or sampler: decode must not use them";
