// npm run playground [-- --port N] [-- --build-only]: bundles playground/app.ts (with the library from dist/,
// as a user's bundler would) into build/playground/ and serves it and data/ on 127.0.0.1. The port is
// --port, else $PORT, else 8080; 0 picks a free one. The address is printed once the server listens.
// Everything is local: the page works offline.
import { build } from "esbuild";
import { createServer } from "node:http";
import { copyFileSync, mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "build", "playground");
const args = process.argv.slice(2);
const arg = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const port = Number(arg("--port") ?? process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`--port must be an integer in [0, 65535], got ${arg("--port") ?? process.env.PORT}`);

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, "playground", "app.ts")],
  outfile: join(out, "app.js"),
  bundle: true, minify: true, format: "esm", target: "es2022", sourcemap: true, logLevel: "warning", absWorkingDir: root,
});
copyFileSync(join(root, "playground", "index.html"), join(out, "index.html"));
if (args.includes("--build-only")) {
  console.log(`built ${out}`);
  process.exit(0);
}

const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".map": "application/json",
  ".json": "application/json", ".txt": "text/plain; charset=utf-8", ".png": "image/png",
};
/** URL path -> file: /data/... from data/, everything else from build/playground/. */
function fileFor(urlPath) {
  const [base, rest] = urlPath.startsWith("/data/") ? [join(root, "data"), urlPath.slice(6)] : [out, urlPath.slice(1) || "index.html"];
  const path = normalize(join(base, rest));
  return path.startsWith(base + sep) ? path : null;
}
const server = createServer(async (req, res) => {
  let path = null;
  try { path = fileFor(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)); } catch { /* bad escape */ }
  if (!path) { res.writeHead(403).end(); return; }
  try {
    const body = await readFile(path);
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream", "cache-control": "no-cache" });
    res.end(body);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
});
server.on("error", (e) => {
  console.error(`playground: cannot listen on 127.0.0.1:${port}: ${e.message} (choose another with --port N)`);
  process.exit(1);
});
server.listen(port, "127.0.0.1", () => console.log(`playground: http://127.0.0.1:${server.address().port}/`));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
