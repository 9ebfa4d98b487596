// A static file server on 127.0.0.1, shared by the playground (scripts/playground.mjs) and the browser
// checks of the tests (test/runtimes/serve.mjs). `mounts` maps URL prefixes to folders, tried in order;
// "/" paths get index.html; nothing outside a mounted folder is served.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
};

/** @param {[string, string][]} mounts [URL prefix ending in "/", folder] pairs */
export function staticServer(mounts) {
  const roots = mounts.map(([prefix, dir]) => [prefix, normalize(dir + sep)]);
  const fileFor = (urlPath) => {
    for (const [prefix, root] of roots) {
      if (!urlPath.startsWith(prefix)) continue;
      const rest = urlPath.slice(prefix.length);
      const path = normalize(join(root, rest === "" || rest.endsWith("/") ? `${rest}index.html` : rest));
      return path.startsWith(root) ? path : null;
    }
    return null;
  };
  return createServer(async (req, res) => {
    let path = null;
    try {
      path = fileFor(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    } catch {
      /* bad escape */
    }
    if (!path) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, {
        "content-type": TYPES[extname(path)] ?? "application/octet-stream",
        "cache-control": "no-cache",
      });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
}
