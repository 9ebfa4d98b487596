// npm run bench:load: servers that create samplers all day. In Node, Deno and Bun, each phase a process of
// its own with a time limit: 100,000 create-sample-drop cycles without dispose() (the dropped samplers'
// instances come back through the FinalizationRegistry and the pool, once the collector finds them), the
// same with dispose(), and 10,000 samplers live at once, each used, then all disposed. Reports the time and
// the process's peak resident and virtual memory (Linux /proc/self/status: VmHWM, VmPeak), and fails when a
// phase fails. Each instance reserves ~10 GB of address space (V8's guard regions), so what bounds the
// virtual peak is how soon instances come back.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CYCLES = 100_000;
const LIVE = 10_000;
const VOCAB = 1000;

function memory() {
  try {
    const status = globalThis.Deno
      ? new TextDecoder().decode(globalThis.Deno.readFileSync("/proc/self/status"))
      : (globalThis.process?.getBuiltinModule?.("node:fs") ?? globalThis.Bun?.fs)?.readFileSync?.(
          "/proc/self/status",
          "utf8",
        );
    const kb = (k) => Number(status.match(new RegExp(`${k}:\\s+(\\d+) kB`))?.[1] ?? Number.NaN);
    return { peakRssMB: kb("VmHWM") / 1024, peakVirtualGB: kb("VmPeak") / 1024 / 1024 };
  } catch {
    return { peakRssMB: Number.NaN, peakVirtualGB: Number.NaN };
  }
}

/** One phase in a process of its own: "drop" (cycles without dispose), "dispose" (with), "live". */
async function child(phase) {
  const { createSampler } = await import("../dist/index.js");
  const logits = new Float32Array(VOCAB).map((_, i) => Math.sin(i));
  const t0 = performance.now();
  let sum = 0;
  if (phase === "live") {
    const live = [];
    for (let i = 0; i < LIVE; i++) live.push(await createSampler({ vocabSize: VOCAB, seed: i, topK: 40 }));
    for (const s of live) sum += s.sample(logits);
    for (const s of live) s.dispose();
  } else {
    for (let i = 0; i < CYCLES; i++) {
      const s = await createSampler({ vocabSize: VOCAB, seed: i, topP: 0.9 });
      sum += s.sample(logits);
      if (phase === "dispose") s.dispose(); // else dropped: the FinalizationRegistry gives it back
    }
  }
  console.log(JSON.stringify({ ms: performance.now() - t0, ...memory(), sum }));
}

function parent() {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const bin = (n) => `${root}node_modules/.bin/${n}`;
  const runtimes = {
    node: [process.execPath, [self, "--child"]],
    deno: [bin("deno"), ["run", "--quiet", "--allow-all", self, "--child"]], // /proc/self needs all
    bun: [bin("bun"), ["run", self, "--child"]],
  };
  console.log(
    `\n${CYCLES.toLocaleString("en-US")} create-sample-drop cycles (vocabulary ${VOCAB}) without and with dispose(), and ${LIVE.toLocaleString("en-US")} samplers live at once (used, then disposed); each a process of its own\n`,
  );
  console.log("| runtime | phase | s | peak RSS MB | peak virtual GB |");
  console.log("|---|---|---:|---:|---:|");
  let failed = false;
  const only = process.argv.slice(2).filter((a) => a in runtimes); // npm run bench:load -- deno bun
  for (const [name, [cmd, args]] of Object.entries(runtimes)) {
    if (only.length > 0 && !only.includes(name)) continue;
    for (const phase of ["drop", "dispose", "live"]) {
      const r = spawnSync(cmd, [...args, phase], { encoding: "utf8", timeout: 15 * 60_000, maxBuffer: 1 << 24 });
      const line = r.stdout?.trim().split("\n").at(-1) ?? "";
      if (r.status !== 0 || !line.startsWith("{")) {
        failed = true;
        const why = (r.stderr ?? "").match(/Check failed[^\n]*|out of memory[^\n]*|panicked[^\n]*/i)?.[0] ?? "";
        console.log(
          `| ${name} | ${phase} | failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}) ${why} | | |`,
        );
        continue;
      }
      const x = JSON.parse(line);
      const f = (v, d) => (typeof v === "number" ? v.toFixed(d) : "n/a");
      console.log(`| ${name} | ${phase} | ${f(x.ms / 1000, 1)} | ${f(x.peakRssMB, 0)} | ${f(x.peakVirtualGB, 0)} |`);
    }
  }
  if (failed) process.exitCode = 1;
}

const argv = globalThis.Deno?.args ?? globalThis.process?.argv ?? [];
if (argv.includes("--child")) await child(argv.at(-1));
else parent();
