// A .wasm import, as workerd and Cloudflare Workers provide it: the compiled module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
