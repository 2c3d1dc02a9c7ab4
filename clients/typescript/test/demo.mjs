// Starts the real `minwon-hub demo` (simulated back-ends + hub) in a temporary folder for the
// tests, and reads the three files it writes: endpoints, tokens and citizens.
// The hub binary: $MINWON_HUB_BIN, or target/debug/minwon-hub at the repository root.

import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const START_TIMEOUT_MS = 60_000;

/** A running demo; `stop()` ends it and removes its folder. */
export async function startDemo() {
  const bin = resolve(REPO, process.env.MINWON_HUB_BIN ?? "target/debug/minwon-hub");
  if (!existsSync(bin)) {
    throw new Error(`hub binary ${bin} not found: cargo build -p minwon-hub, or set MINWON_HUB_BIN`);
  }
  const work = mkdtempSync(join(tmpdir(), "minwon-ts-"));
  const dir = join(work, "data");
  const logPath = join(work, "hub.log");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MINWON_")));
  const logFd = openSync(logPath, "w");
  const proc = spawn(
    bin,
    ["demo", "--listen", "127.0.0.1:0", "--sim-base-port", "0", "--data-dir", dir],
    { env, stdio: ["ignore", "ignore", logFd] },
  );
  let exited = null;
  proc.on("exit", (code) => (exited = code ?? -1));
  const log = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");
  const deadline = Date.now() + START_TIMEOUT_MS;
  const endpointsFile = join(dir, "demo-endpoints.json");
  for (;;) {
    if (existsSync(endpointsFile)) break;
    if (exited !== null) throw new Error(`demo exited early (${exited}):\n${log()}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`demo did not start in ${START_TIMEOUT_MS} ms:\n${log()}`);
    }
    await sleep(50);
  }
  const read = (f) => JSON.parse(readFileSync(join(dir, f), "utf8"));
  const endpoints = read("demo-endpoints.json");
  return {
    endpoints,
    tokens: read("demo-tokens.json"),
    citizens: read("demo-citizens.json"),
    baseUrl: `http://${endpoints.hub}`,
    log,
    /** Sets a simulator's fault mode (`none`, `hang`, `http_500`, …). */
    async fault(source, mode) {
      const r = await fetch(`${endpoints.simulators[source]}/_sim/fault`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ mode }),
      });
      if (!r.ok) throw new Error(`fault switch of ${source}: HTTP ${r.status}`);
    },
    async stop() {
      if (exited === null) {
        const done = new Promise((ok) => proc.once("exit", ok));
        proc.kill("SIGTERM");
        // An unref'd timer: once the hub has exited it must not keep the test process alive.
        const kill = setTimeout(() => proc.kill("SIGKILL"), 20_000);
        kill.unref();
        await done;
        clearTimeout(kill);
      }
      closeSync(logFd);
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** A demo citizen every source holds records for. */
export function citizenEverywhere(demo) {
  const all = demo.citizens.all_sources;
  const c = demo.citizens.citizens.find((c) => all.every((s) => c.sources.includes(s)));
  if (!c) throw new Error("no demo citizen with records in every source");
  return c;
}
