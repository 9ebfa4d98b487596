// The tiny transformer of models/tiny-kjv (see its README), loaded by transformers.js from the repository's
// folder, never from the network.
import { fileURLToPath } from "node:url";
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor } from "@huggingface/transformers";

export const MODELS = fileURLToPath(new URL("../models/", import.meta.url));

export async function loadTiny() {
  env.allowRemoteModels = false;
  env.localModelPath = MODELS;
  const [tokenizer, model] = await Promise.all([
    AutoTokenizer.from_pretrained("tiny-kjv"),
    AutoModelForCausalLM.from_pretrained("tiny-kjv", { dtype: "fp32" }),
  ]);
  return { tokenizer, model };
}

type Model = Awaited<ReturnType<typeof loadTiny>>["model"];

/**
 * The last position's logits of each of `rows` (token ids, equal lengths), recomputed from the whole sequences
 * in one forward pass without a cache: the reference the cached decode loops are compared with.
 */
export async function recompute(model: Model, rows: number[][]): Promise<Float32Array[]> {
  const R = rows.length,
    L = rows[0]!.length;
  const ids = new BigInt64Array(rows.flat().map(BigInt));
  const out = await model.forward({
    input_ids: new Tensor("int64", ids, [R, L]),
    attention_mask: new Tensor("int64", new BigInt64Array(R * L).fill(1n), [R, L]),
  });
  const logits = out.logits as Tensor;
  const V = logits.dims[2]!;
  const data = logits.data as Float32Array;
  return rows.map((_, r) => data.slice((r * L + L - 1) * V, (r * L + L) * V));
}
