// The tiny transformer (models/tiny-kjv) in the page: transformers.js's web build on onnxruntime-web's
// WebAssembly backend, with everything served by scripts/playground.mjs (the model from /models/,
// onnxruntime's .wasm from /ort/). Loaded on demand: this module is a separate chunk of the bundle.
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor } from "@huggingface/transformers";
import { type GenerateOptions, type GenerateResult, generate } from "llm-sampler/transformers";

export interface Neural {
  /** Token i as text, spaces and newlines made visible. */
  vocab: string[];
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** The next-token logits after each of `rows` (token ids of one length), recomputed without a cache. */
  logits(rows: number[][]): Promise<Float32Array[]>;
  generate(prompt: string, options: GenerateOptions): Promise<GenerateResult>;
}

export async function loadNeural(): Promise<Neural> {
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.useBrowserCache = false;
  // a path, not a URL: transformers.js checks that local files exist only for paths
  env.localModelPath = new URL("models/", location.href).pathname;
  const wasm = env.backends.onnx.wasm!;
  wasm.wasmPaths = new URL("ort/", location.href).href;
  wasm.numThreads = 1; // the page is not cross-origin isolated: no shared memory for threads
  const [tokenizer, model] = await Promise.all([
    AutoTokenizer.from_pretrained("tiny-kjv"),
    AutoModelForCausalLM.from_pretrained("tiny-kjv", { dtype: "fp32", device: "wasm" }),
  ]);
  const V = (model.config as unknown as { vocab_size: number }).vocab_size;
  const vocab = Array.from({ length: V }, (_, i) => tokenizer.decode([i]).replaceAll(" ", "␣").replaceAll("\n", "⏎"));
  return {
    vocab,
    encode: (text) => tokenizer.encode(text),
    decode: (ids) => tokenizer.decode(ids, { skip_special_tokens: true }),
    async logits(rows) {
      const R = rows.length,
        L = rows[0]!.length;
      const out = await model.forward({
        input_ids: new Tensor("int64", BigInt64Array.from(rows.flat(), BigInt), [R, L]),
        attention_mask: new Tensor("int64", new BigInt64Array(R * L).fill(1n), [R, L]),
      });
      const data = (out.logits as Tensor).data as Float32Array;
      return rows.map((_, r) => data.slice((r * L + L - 1) * V, (r * L + L) * V));
    },
    generate: (prompt, options) => generate(model, tokenizer, prompt, options),
  };
}
