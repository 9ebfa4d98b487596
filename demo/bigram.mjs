// The bigram model of data/ for Node: reads the files and parses them with demo/bigram-model.mjs.
import { readFileSync } from "node:fs";
import { parseBigram } from "./bigram-model.mjs";

export function loadBigram(dir = new URL("../data/", import.meta.url)) {
  return parseBigram(
    readFileSync(new URL("bigram-lm.bin", dir)),
    readFileSync(new URL("bigram-lm.vocab.txt", dir), "utf8"),
  );
}
