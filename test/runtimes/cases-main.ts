// The payload the harness bundles for the cross-runtime test: main() is runCases().
export { runCases as main } from "./cases.js";
