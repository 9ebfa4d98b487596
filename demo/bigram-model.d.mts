import type { BigramModel } from "./bigram.mjs";
/** Parses the model from the bytes of bigram-lm.bin and the text of bigram-lm.vocab.txt. */
export function parseBigram(bytes: Uint8Array, vocabText: string): BigramModel;
