// llm-sampler: decoding-time sampling for language models, in WebAssembly SIMD.
export { createSampler } from "./sampler.js";
export { createBeamSearch } from "./beam.js";
export type { BeamSearch, BeamSearchOptions, BeamResult } from "./beam.js";
export type { Sampler, TopLogprob } from "./sampler.js";
export type { Generation, GenerationOptions, StepResult, FinishReason } from "./generation.js";
export { verifyDraft } from "./speculative.js";
export type { VerifyOptions, VerifyResult, GenerationVerifyResult } from "./speculative.js";
export { HF_ORDER, LLAMA_ORDER } from "./options.js";
export { fromOpenAI, fromGenerationConfig } from "./dialects.js";
export type { OpenAIParams, FromOpenAIResult, GenerationConfig, FromGenerationConfigResult } from "./dialects.js";
export type {
  SamplerOptions,
  TransformName,
  DryOptions,
  XtcOptions,
  MirostatOptions,
  DynamicTemperatureOptions,
} from "./options.js";
