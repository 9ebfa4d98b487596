// The option names of Sampler.generation() and createBeamSearch(): their validation (ownOptions) reads them,
// and so does llm-sampler/transformers, which splits one options object between the sampler, the generation
// and the beam search. A module of data alone, so that the adapter's bundle copies these lists and no code.

/** GenerationOptions' names. */
export const GENERATION_OPTIONS: ReadonlySet<string> = new Set([
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

/** BeamSearchOptions' names. */
export const BEAM_OPTIONS: ReadonlySet<string> = new Set([
  "vocabSize",
  "numBeams",
  "maxNewTokens",
  "eosTokenId",
  "lengthPenalty",
  "earlyStopping",
  "numReturnSequences",
  "minNewTokens",
  "prompt",
  "repetitionPenalty",
  "noRepeatNgramSize",
  "logitBias",
  "badWordsIds",
]);
