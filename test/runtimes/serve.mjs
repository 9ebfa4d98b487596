// A static file server on 127.0.0.1 for the browser checks: `node serve.mjs DIR [PORT]` (PORT 0 = any free
// one). Prints "listening on http://127.0.0.1:PORT" once it accepts connections; stops on SIGTERM.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const [dir, portArg = "0"] = process.argv.slice(2);
if (!dir) throw new Error("usage: node serve.mjs DIR [PORT]");
const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm", ".png": "image/png",
  ".bin": "application/octet-stream", ".f32": "application/octet-stream", ".txt": "text/plain; charset=utf-8",
};
const root = normalize(dir + sep);

const server = createServer(async (req, res) => {
  const path = normalize(join(root, decodeURIComponent(new URL(req.url, "http://x").pathname)));
  if (!path.startsWith(root)) { res.writeHead(403).end(); return; }
  try {
    const body = await readFile(path.endsWith(sep) ? join(path, "index.html") : path);
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(body);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
});
server.listen(Number(portArg), "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
