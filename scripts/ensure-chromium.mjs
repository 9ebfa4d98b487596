// The first step of npm test: the cross-runtime, playground and install tests drive Chromium. Finds it
// (CHROMIUM_PATH, else Debian's /usr/bin/chromium); where it is missing and this is root on a machine with
// apt-get, installs Debian's package (what the README says); otherwise stops with what to do.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const has = (cmd) => {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

if (!existsSync(path)) {
  if (process.env.CHROMIUM_PATH === undefined && process.getuid?.() === 0 && has("apt-get")) {
    console.error(
      "npm test: Chromium not found; installing Debian's chromium (apt-get update && apt-get install -y chromium)",
    );
    execFileSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"], {
      stdio: "inherit",
    });
  }
  if (!existsSync(path)) {
    console.error(
      `npm test needs Chromium at ${path}: apt-get install -y chromium (as root), or set CHROMIUM_PATH; ` +
        "npm run test:unit runs every test that needs no browser or extra runtime",
    );
    process.exit(1);
  }
}
