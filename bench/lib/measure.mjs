// Runs one engine as a child process and measures it: wall time (harness clock), CPU time
// (user+sys of the whole child tree, from /usr/bin/time, i.e. the kernel's rusage of waited-for
// children), peak RSS (the max of the kernel's per-process maxrss and a 50 ms sampler that sums
// the RSS of every process in the tree), exit status and captured output.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PAGE = 4096;
const TIME_BIN = "/usr/bin/time";

/** Pids of `root` and all its descendants, from a scan of /proc. */
function treePids(root) {
  const parent = new Map();
  for (const d of readdirSync("/proc")) {
    if (d.charCodeAt(0) < 48 || d.charCodeAt(0) > 57) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "latin1");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(d), Number(rest[1]));
    } catch {
      // process exited during the scan
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  }
  return out;
}

/** Sum of resident set sizes (bytes) of the given pids. */
function rssOf(pids) {
  let sum = 0;
  for (const pid of pids) {
    try {
      const statm = readFileSync(`/proc/${pid}/statm`, "latin1").split(" ");
      sum += Number(statm[1]) * PAGE;
    } catch {
      // exited
    }
  }
  return sum;
}

/**
 * Runs `cmd args` with `env` added and returns
 * `{ ok, code, wallSec, userSec, sysSec, cpuSec, maxRssBytes, stdout, stderr }`.
 * `timeoutSec` kills the tree after that long (then ok=false).
 */
export function measure(cmd, args, { env = {}, cwd, timeoutSec = 3600 } = {}) {
  const timeFile = join(
    tmpdir(),
    `tb-bench-time-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  );
  const useTime = existsSync(TIME_BIN);
  const argv = useTime ? ["-f", "%e %U %S %M", "-o", timeFile, cmd, ...args] : args;
  const bin = useTime ? TIME_BIN : cmd;
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(bin, argv, {
      env: { ...process.env, ...env },
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      if (stdout.length < 1 << 20) stdout += d;
    });
    child.stderr.on("data", (d) => {
      if (stderr.length < 1 << 20) stderr += d;
    });
    let peakTree = 0;
    let pids = [child.pid];
    let tick = 0;
    const sampler = setInterval(() => {
      // Rescan the tree every 10th tick (500 ms); sample RSS every tick (50 ms).
      if (tick++ % 10 === 0) pids = treePids(child.pid);
      peakTree = Math.max(peakTree, rssOf(pids));
    }, 50);
    const killer = setTimeout(() => {
      for (const pid of treePids(child.pid).reverse()) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    }, timeoutSec * 1000);
    child.on("close", (code, signal) => {
      const wallSec = Number(process.hrtime.bigint() - t0) / 1e9;
      clearInterval(sampler);
      clearTimeout(killer);
      let userSec = Number.NaN;
      let sysSec = Number.NaN;
      let maxRssKb = 0;
      if (useTime && existsSync(timeFile)) {
        const lines = readFileSync(timeFile, "utf8").trim().split("\n");
        const last = lines[lines.length - 1].trim().split(/\s+/).map(Number);
        [, userSec, sysSec, maxRssKb] = last;
        rmSync(timeFile, { force: true });
      }
      resolve({
        ok: code === 0,
        code,
        signal,
        wallSec,
        userSec,
        sysSec,
        cpuSec: userSec + sysSec,
        maxRssBytes: Math.max(maxRssKb * 1024, peakTree),
        stdout,
        stderr,
      });
    });
  });
}

/** Load average and the busiest other processes right now (to note overlapping load). */
export function machineLoad() {
  const [l1, l5, l15] = readFileSync("/proc/loadavg", "utf8").split(" ").map(Number);
  return { load1: l1, load5: l5, load15: l15 };
}

/**
 * CPU jiffies from /proc/stat: `busy` (all but idle, iowait and steal), `steal` (time the
 * hypervisor gave this VM's CPUs to someone else: a sign of load outside this machine's view).
 */
export function cpuJiffies() {
  const f = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return { busy: user + nice + system + (irq || 0) + (softirq || 0), steal: steal || 0 };
}

/** CPU cores busy machine-wide (excluding this process) over the next `sec` seconds. */
export async function busyCores(sec = 1) {
  const j0 = cpuJiffies();
  const h0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, sec * 1000));
  const h = process.cpuUsage(h0);
  const j1 = cpuJiffies();
  return Math.max(0, ((j1.busy - j0.busy) / 100 - (h.user + h.system) / 1e6) / sec);
}

/**
 * Waits (up to `maxSec`) until other processes use less than `threshold` cores, sampled over
 * 2 s. Returns `{ waitedSec, busy }` (busy = the last sample).
 */
export async function waitQuiet(maxSec, threshold = 0.3, log = () => {}) {
  const t0 = performance.now();
  let busy = await busyCores(2);
  while (busy >= threshold && (performance.now() - t0) / 1000 < maxSec) {
    log(`  machine busy (${busy.toFixed(2)} cores used by others); waiting`);
    await new Promise((r) => setTimeout(r, 10_000));
    busy = await busyCores(2);
  }
  return { waitedSec: (performance.now() - t0) / 1000, busy };
}
