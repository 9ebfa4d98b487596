// npm run playground [-- --port N] [-- --build-only]: bundles playground/app.ts (with the library from dist/,
// as a user's bundler would) into build/playground/ and serves it, data/, models/ (the tiny transformer,
// whose code, transformers.js's web build, is a chunk loaded on demand) and onnxruntime-web's .wasm on 127.0.0.1. The port is
// --port, else $PORT, else 8080; 0 picks a free one. The address is printed once the server listens.
// Everything is local: the page works offline.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { staticServer } from "./static-server.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "build", "playground");
const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(arg("--port") ?? process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  throw new RangeError(`--port must be an integer in [0, 65535], got ${arg("--port") ?? process.env.PORT}`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, "playground", "app.ts")],
  outdir: out,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  sourcemap: true,
  logLevel: "warning",
  absWorkingDir: root,
});
copyFileSync(join(root, "playground", "index.html"), join(out, "index.html"));
if (args.includes("--build-only")) {
  console.log(`built ${out}`);
  process.exit(0);
}

const server = staticServer([
  ["/data/", join(root, "data")],
  ["/models/", join(root, "models")],
  ["/ort/", join(root, "node_modules", "onnxruntime-web", "dist")],
  ["/", out],
]);
server.on("error", (e) => {
  console.error(`playground: cannot listen on 127.0.0.1:${port}: ${e.message} (choose another with --port N)`);
  process.exit(1);
});
server.listen(port, "127.0.0.1", () => console.log(`playground: http://127.0.0.1:${server.address().port}/`));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
