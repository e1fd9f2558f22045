/**
 * Environment capture: code version, runtime versions and the machine, recorded in every result.
 * @module
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { sha256Hex } from "../_hash.ts";
import type { EnvInfo } from "../results/schema.ts";

/** Repository root (where deno.json is). */
export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

async function git(args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", { args, cwd: REPO_ROOT, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

/** The code a sweep runs: commit, dirty flag and the version string that goes into run ids. */
export interface CodeVersion {
  git_sha: string | null;
  git_dirty: boolean;
  code_version: string;
}

/**
 * Determines the code version once per sweep (so it is stable within it): the commit, plus a hash of the
 * diff of tracked files when the tree is dirty. `$PB_CODE_VERSION` overrides it (pinning a version, tests).
 * @returns the code version
 */
export async function codeVersion(): Promise<CodeVersion> {
  const sha = (await git(["rev-parse", "HEAD"]))?.trim() || null;
  const status = await git(["status", "--porcelain", "--untracked-files=no"]);
  const dirty = status !== null && status.trim() !== "";
  let version = sha ?? "unknown";
  if (dirty) {
    const diff = (await git(["diff", "HEAD", "--no-ext-diff", "--binary"])) ?? "";
    version += `+dirty.${(await sha256Hex(diff)).slice(0, 12)}`;
  }
  const pinned = Deno.env.get("PB_CODE_VERSION");
  return { git_sha: sha, git_dirty: dirty, code_version: pinned && pinned.trim() ? pinned.trim() : version };
}

async function readText(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return null;
  }
}

/** Machine and runtime facts that do not change during a sweep. */
export type StaticEnv = Omit<EnvInfo, "load_avg">;

/**
 * Captures the runtime and the machine (everything but the load average, taken per run).
 * @param code the sweep's code version
 */
export async function captureStaticEnv(code: CodeVersion): Promise<StaticEnv> {
  const cpuinfo = (await readText("/proc/cpuinfo")) ?? "";
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? Deno.build.arch;
  let ort: string | null = null;
  const pkg = await readText(join(REPO_ROOT, "node_modules", "onnxruntime-node", "package.json"));
  if (pkg) {
    try {
      ort = String(JSON.parse(pkg).version ?? "") || null;
    } catch { /* unreadable package.json: leave null */ }
  }
  const lock = await readText(join(REPO_ROOT, "deno.lock"));
  let memory = 0;
  try {
    memory = Deno.systemMemoryInfo().total / 2 ** 30;
  } catch { /* not permitted: 0 */ }
  let hostname = "";
  try {
    hostname = Deno.hostname();
  } catch { /* not permitted */ }
  return {
    ...code,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    onnxruntime: ort,
    cpu_model: cpuModel,
    cores: navigator.hardwareConcurrency,
    memory_gb: Math.round(memory * 100) / 100,
    os: `${Deno.build.os} ${Deno.build.arch} ${safe(() => Deno.osRelease(), "")}`.trim(),
    lockfile_hash: lock === null ? null : await sha256Hex(lock),
    hostname,
  };
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** The 1, 5 and 15 minute load averages (empty when unavailable). */
export function loadAverage(): number[] {
  return safe(() => Deno.loadavg().map((x) => Math.round(x * 100) / 100), []);
}

/**
 * Peak resident set size of this process in MiB: VmHWM of /proc/self/status (per address space, so it starts
 * afresh at exec; Deno allows reading it only under --allow-all, which the harness's children have), else
 * getrusage's ru_maxrss — which on Linux also counts the parent's memory copied at fork, so it overstates a
 * child's peak. 0 where neither is available.
 */
export function peakRssMb(): number {
  const status = safe(() => Deno.readTextFileSync("/proc/self/status"), "");
  const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(status);
  if (m) return Number(m[1]) / 1024;
  return safe(() => process.resourceUsage().maxRSS, 0) / 1024;
}
