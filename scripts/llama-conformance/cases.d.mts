export function mulberry32(seed: number): () => number;
export function caseLogits(vocab: number, seed: number): Float32Array;
