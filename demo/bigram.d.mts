/** Types of demo/bigram.mjs: the compact bigram language model of data/. */
export interface BigramModel {
  vocabSize: number;
  words: string[];
  eos: number;
  /** Writes the next-word logits after `prev` (a token id; -1 or 0 = sentence start) into `out`. */
  logits(prev: number, out: Float32Array): Float32Array;
  encode(text: string): number[];
  decode(tokens: number[]): string;
}
export function loadBigram(dir?: URL): BigramModel;
