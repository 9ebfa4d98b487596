// The compact bigram language model of data/ (CMU US-English trigram LM, BSD-2-Clause; see data/README.md):
// full next-word logits for a context word, with the model's back-off for words outside its top 64.
// Runtime-neutral: give it the bytes of bigram-lm.bin and the text of bigram-lm.vocab.txt (demo/bigram.mjs
// reads them from disk for Node; the playground fetches them).

/** Parses the model from the bytes of bigram-lm.bin and the text of bigram-lm.vocab.txt. */
export function parseBigram(bytes, vocabText) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== "BGLM") throw new Error("bigram-lm.bin: bad magic");
  const V = dv.getUint32(4, true),
    K = dv.getUint32(8, true),
    R = dv.getUint32(12, true);
  const words = vocabText.split("\n").slice(0, V);
  const unigram = new Float32Array(V);
  for (let i = 0; i < V; i++) unigram[i] = dv.getFloat32(16 + 4 * i, true);
  const rowBytes = K * 2 + K * 4;
  const rowsAt = 16 + 4 * V;
  const ids = new Uint16Array(R * K),
    lps = new Float32Array(R * K),
    backoff = new Float32Array(R);
  let unigramMass = 0;
  for (let i = 0; i < V; i++) unigramMass += Math.exp(unigram[i]);
  for (let r = 0; r < R; r++) {
    const at = rowsAt + r * rowBytes;
    let rowMass = 0,
      rowUnigram = 0;
    for (let k = 0; k < K; k++) {
      const id = dv.getUint16(at + 2 * k, true),
        lp = dv.getFloat32(at + 2 * K + 4 * k, true);
      ids[r * K + k] = id;
      lps[r * K + k] = lp;
      rowMass += Math.exp(lp);
      rowUnigram += Math.exp(unigram[id]);
    }
    backoff[r] = Math.log(Math.max(1 - rowMass, 1e-12) / (unigramMass - rowUnigram));
  }
  const index = new Map(words.map((w, i) => [w, i]));
  return {
    vocabSize: V,
    words,
    eos: 0,
    /** Writes the next-word logits after `prev` (a token id; -1 or 0 = sentence start) into `out`. */
    logits(prev, out) {
      const r = Math.max(prev, 0);
      const b = backoff[r];
      for (let i = 0; i < V; i++) out[i] = unigram[i] + b;
      for (let k = 0; k < K; k++) out[ids[r * K + k]] = lps[r * K + k];
      return out;
    },
    /** Token ids of space-separated words; throws on a word outside the vocabulary. */
    encode(text) {
      return text
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((w) => {
          const id = index.get(w.toLowerCase());
          if (id === undefined) throw new Error(`"${w}" is not in the bigram model's vocabulary`);
          return id;
        });
    },
    /** Words joined by spaces, each with its leading space; </s> is the end of a sentence. */
    decode(tokens) {
      return tokens.map((t) => ` ${words[t]}`).join("");
    },
  };
}
