// x ** y for the few places that need it (DRY's exponential penalty, dynamic temperature, mirostat, beam
// length penalties), as exp(y * ln x). The standard library's pow is 2 KB of the module, a seventh of it,
// for exactness nobody here needs: the relative error is about |y ln x| * 2^-53 plus an ulp or two, below
// 1e-13 for every argument these callers pass. Being wasm, it rounds the same on every runtime.
/** x ** y for x >= 0 (0 ** 0 = 1, 0 ** y = 0 for y > 0 and Infinity for y < 0). */
export function powPos(x: f64, y: f64): f64 {
  if (x == 0) return y == 0 ? 1 : y > 0 ? 0 : Infinity;
  if (y == 0 || x == 1) return 1;
  return Math.exp(y * Math.log(x));
}
