// The Generation: the tokens of one sequence, EOS and length control, stop sequences (token ids, or
// strings matched on decoded text across token boundaries) and streaming text.
//
// Text flows in three holds, each released as soon as it can no longer matter:
//   1. tokens that could still begin a token-id stop sequence are not decoded yet;
//   2. the incremental decoder holds a tail that is not a complete character yet (byte-level tokenizers
//      emit half characters);
//   3. decoded text that could still begin a stop string is not emitted yet.
import type { ContextLists } from "./context.js";
import { integer, rangeError, show, tokenId, typeError } from "./errors.js";
import { History } from "./history.js";
import type { Resolved } from "./options.js";
import type { SamplerImpl, TopLogprob } from "./sampler.js";

export interface GenerationOptions {
  /** Token ids before the generation; the penalties, n-gram bans and bad words see them. */
  prompt?: ArrayLike<number>;
  /** Default: unlimited. */
  maxNewTokens?: number;
  /** EOS is suppressed, and stop sequences cannot end the sequence, before this many new tokens. */
  minNewTokens?: number;
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
  token: number;
  /** Newly emitted text: never a prefix of a stop string that may still complete. */
  text: string;
  done: boolean;
  finishReason: FinishReason;
  logprob: number;
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

const KNOWN = new Set([
  "prompt",
  "maxNewTokens",
  "minNewTokens",
  "eosTokenId",
  "ignoreEos",
  "stop",
  "includeStopInOutput",
  "decode",
  "logprobs",
]);

/**
 * Detokenizes a growing token list without decoding all of it each time: a short window of tokens
 * already emitted gives the context (some tokenizers decode a token differently after another), and a
 * tail that decodes to nothing new or to U+FFFD is an incomplete character, held until it completes.
 */
export class IncrementalDecoder {
  private window: number[] = [];
  private read = 0;

  constructor(private readonly decode: (tokens: number[]) => string) {}

  push(t: number): string {
    this.window.push(t);
    const before = this.read > 0 ? this.decode(this.window.slice(0, this.read)) : "";
    const all = this.decode(this.window);
    if (all.length <= before.length || all.endsWith("\uFFFD")) return "";
    const out = all.slice(before.length);
    this.window = this.window.slice(this.read);
    this.read = this.window.length;
    return out;
  }

  /** Whatever is still held, at the end of the sequence (an incomplete character decodes as it may). */
  flush(): string {
    const before = this.read > 0 ? this.decode(this.window.slice(0, this.read)) : "";
    const all = this.decode(this.window);
    this.window = [];
    this.read = 0;
    return all.length > before.length ? all.slice(before.length) : "";
  }
}

/** The occurrence of any stop string that ends first in `text` (then the one starting first), or null. */
export function findStop(text: string, stops: readonly string[]): { start: number; end: number } | null {
  let best: { start: number; end: number } | null = null;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i < 0) continue;
    const end = i + s.length;
    if (!best || end < best.end || (end === best.end && i < best.start)) best = { start: i, end };
  }
  return best;
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
export function heldLength(text: string, stops: readonly string[]): number {
  let h = 0;
  for (const s of stops) {
    for (let k = Math.min(s.length - 1, text.length); k > h; k--) {
      if (text.endsWith(s.slice(0, k))) {
        h = k;
        break;
      }
    }
  }
  return h;
}

export class GenerationImpl implements Generation {
  readonly tokens: number[] = [];
  text = "";
  done = false;
  finishReason: FinishReason = null;

  private readonly history: History;
  private readonly promptLength: number;
  private readonly maxNew: number;
  private readonly minNew: number;
  private readonly eos: number[];
  private readonly ignoreEos: boolean;
  private readonly stopStrings: string[];
  private readonly stopSeqs: number[][];
  private readonly includeStop: boolean;
  private readonly decoder: IncrementalDecoder | null;
  private readonly nTop: number;
  private readonly wantTop: boolean;
  private committed = 0; // generated tokens handed to the decoder (or dropped: an ending EOS, a stop sequence)
  /** Mirostat's running mu for this sequence (NaN without mirostat). */
  private mirostatMu: number;
  private buffer = ""; // decoded text not emitted yet

  constructor(
    private readonly sampler: SamplerImpl,
    private readonly lists: ContextLists,
    r: Resolved,
    o: GenerationOptions,
  ) {
    const V = r.vocabSize;
    this.mirostatMu = r.mirostat ? 2 * r.mirostat.tau : NaN;
    if (typeof o !== "object" || o === null) throw typeError("options", "an object", o);
    for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new TypeError(`unknown generation option ${show(k)}`);
    const prompt = o.prompt ?? [];
    lists.validate(prompt, "prompt");
    this.maxNew =
      o.maxNewTokens === undefined ? Infinity : integer("maxNewTokens", o.maxNewTokens, 1, Number.MAX_SAFE_INTEGER);
    this.minNew =
      o.minNewTokens === undefined ? 0 : integer("minNewTokens", o.minNewTokens, 0, Number.MAX_SAFE_INTEGER);
    if (this.minNew > this.maxNew) throw rangeError("minNewTokens", `<= maxNewTokens (${this.maxNew})`, this.minNew);
    const eos = o.eosTokenId === undefined ? [] : Array.isArray(o.eosTokenId) ? o.eosTokenId : [o.eosTokenId];
    this.eos = eos.map((t, i) => tokenId(Array.isArray(o.eosTokenId) ? `eosTokenId[${i}]` : "eosTokenId", t, V));
    if (o.ignoreEos !== undefined && typeof o.ignoreEos !== "boolean")
      throw typeError("ignoreEos", "a boolean", o.ignoreEos);
    this.ignoreEos = o.ignoreEos ?? false;
    if (o.includeStopInOutput !== undefined && typeof o.includeStopInOutput !== "boolean") {
      throw typeError("includeStopInOutput", "a boolean", o.includeStopInOutput);
    }
    this.includeStop = o.includeStopInOutput ?? false;
    const stop = o.stop ?? [];
    if (!Array.isArray(stop)) throw typeError("stop", "an array of strings and token-id arrays", stop);
    this.stopStrings = [];
    this.stopSeqs = [];
    stop.forEach((s: unknown, i) => {
      if (typeof s === "string") {
        if (s.length === 0) throw rangeError(`stop[${i}]`, "a non-empty string", s);
        this.stopStrings.push(s);
      } else if (Array.isArray(s)) {
        if (s.length === 0) throw rangeError(`stop[${i}]`, "a non-empty array of token ids", s);
        this.stopSeqs.push(s.map((t: unknown, j) => tokenId(`stop[${i}][${j}]`, t, V)));
      } else {
        throw typeError(`stop[${i}]`, "a string or an array of token ids", s);
      }
    });
    if (o.decode !== undefined && typeof o.decode !== "function") throw typeError("decode", "a function", o.decode);
    if (this.stopStrings.length > 0 && o.decode === undefined) {
      throw new TypeError(`decode is required when stop has strings (stop: ${show(stop)})`);
    }
    this.decoder = o.decode ? new IncrementalDecoder(o.decode) : null;
    this.nTop = o.logprobs === undefined ? 0 : integer("logprobs", o.logprobs, 0, V);
    this.wantTop = this.nTop > 0;
    this.promptLength = prompt.length;
    this.history = new History(r, prompt.length + Math.min(this.maxNew, 1024));
    for (let i = 0; i < prompt.length; i++) this.history.push(prompt[i]!);
  }

  step(logits?: Float32Array): StepResult {
    if (this.done)
      throw new RangeError(`step() after the generation is done (finishReason ${show(this.finishReason)})`);
    const count = this.tokens.length;
    const suppress = !this.ignoreEos && count < this.minNew ? this.eos : NONE;
    // Everything that can fail happens in here, before any state of the generation changes.
    this.sampler.loadWith(logits, (v) => this.history.write(v, this.lists, suppress));
    const d = this.sampler.drawWith(this.mirostatMu, this.nTop, true);
    const token = d.token;
    this.mirostatMu = d.mu;
    this.history.push(token);
    this.tokens.push(token);
    const before = this.text.length;
    const n = this.tokens.length;
    const canStop = n >= this.minNew;
    if (!this.ignoreEos && this.eos.includes(token)) {
      this.commit(n - 1);
      this.committed = n; // the EOS itself is not text
      this.finish("eos");
    } else {
      const seq = canStop ? this.stopSeqs.find((s) => this.history.endsWith(s, this.promptLength)) : undefined;
      if (seq) {
        this.commit(n - seq.length);
        if (this.includeStop) this.commit(n);
        this.committed = n;
        this.finish("stop");
      } else {
        this.commit(n - this.heldTokens());
        this.release(canStop);
        if (!this.done && n >= this.maxNew) this.finish("length");
      }
    }
    const result: StepResult = {
      token,
      text: this.text.slice(before),
      done: this.done,
      finishReason: this.finishReason,
      logprob: d.logprob,
    };
    if (this.wantTop) result.topLogprobs = d.top;
    return result;
  }

  /** Hands generated tokens up to `upTo` to the decoder; their text joins the buffer. */
  private commit(upTo: number): void {
    for (; this.committed < upTo; this.committed++) {
      if (this.decoder) this.buffer += this.decoder.push(this.tokens[this.committed]!);
    }
  }

  /** How many trailing generated tokens are a proper prefix of some stop sequence. */
  private heldTokens(): number {
    let h = 0;
    const n = this.tokens.length;
    for (const s of this.stopSeqs) {
      for (let k = Math.min(s.length - 1, n - this.committed); k > h; k--) {
        let j = 0;
        while (j < k && this.tokens[n - k + j] === s[j]) j++;
        if (j === k) {
          h = k;
          break;
        }
      }
    }
    return h;
  }

  /** Emits buffered text, up to a stop string (which ends the sequence) or a possible stop-string prefix. */
  private release(canStop: boolean): void {
    if (this.stopStrings.length === 0) {
      this.text += this.buffer;
      this.buffer = "";
      return;
    }
    const m = canStop ? findStop(this.buffer, this.stopStrings) : null;
    if (m) {
      this.text += this.buffer.slice(0, this.includeStop ? m.end : m.start);
      this.buffer = "";
      this.done = true;
      this.finishReason = "stop";
      return;
    }
    const keep = heldLength(this.buffer, this.stopStrings);
    this.text += this.buffer.slice(0, this.buffer.length - keep);
    this.buffer = this.buffer.slice(this.buffer.length - keep);
  }

  /** Ends the sequence: everything still held is decoded and emitted, up to a stop string if one appears. */
  private finish(reason: Exclude<FinishReason, null>): void {
    this.commit(this.tokens.length);
    if (this.decoder) this.buffer += this.decoder.flush();
    this.finishReason = reason;
    this.done = true;
    const m = this.tokens.length >= this.minNew ? findStop(this.buffer, this.stopStrings) : null;
    if (m) {
      this.text += this.buffer.slice(0, this.includeStop ? m.end : m.start);
      this.finishReason = "stop";
    } else {
      this.text += this.buffer;
    }
    this.buffer = "";
  }
}

const NONE: readonly number[] = [];
