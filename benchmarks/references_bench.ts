/**
 * Same-run reference comparison for HAC: `pb cluster` with its default options against SciPy's and fastcluster's
 * linkage on the same random unit vectors (d = 128, seeded), each cell run one after the other (ours, SciPy,
 * fastcluster) so that load changes hit all three alike. Records both timings and both outputs side by side:
 * merge heights (largest difference of the sorted heights) and partitions at cut levels placed in wide gaps
 * between merge heights (ours by `cutDendrogram`, theirs by SciPy's `fcluster`).
 *
 * Timings: ours in-process (`pb cluster --json` seconds: distances + HAC + labels, after the .npy read) and the
 * `pb cluster` process end to end; theirs inside Python around pdist(cosine) + linkage, and the Python process end
 * to end (interpreter start, imports, .npy read, writing). Ratios are ours ÷ theirs (< 1: ours faster).
 *
 * Run: `deno run -A benchmarks/references_bench.ts [--quick] [--sizes 2000,20000] [--linkages average,single]
 *       [--libraries scipy,fastcluster] [--threads N] [--repeats R] [--json FILE]`
 * (`--threads`: passed to `pb cluster`; by default none is passed, so its default — the available cores — runs;
 * `--repeats`: rounds of every cell, the order alternating, ratios as the median of per-round ratios [1].)
 * CPU time (every thread) is reported beside wall time: on a shared machine it is the steadier figure.
 * Without Python, SciPy or fastcluster it prints one line saying what is missing and exits 0.
 * Exit 1 when an output disagrees (heights beyond 1e-5, or a partition differs at a cut whose margin exceeds it).
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cutDendrogram } from "../algorithms/hac/dendrogram.ts";
import { Rng } from "../algorithms/random/rng.ts";
import { writeFileAtomic } from "../base/atomic.ts";
import { readNpy, writeNpy } from "../datasets/npy.ts";
import { cutLevels, maxHeightDifference, samePartition } from "./references/agreement.ts";
import {
  findPythonReferences,
  HAC_LIBRARIES,
  type HacLibrary,
  missingReason,
  type ReferenceHac,
  referenceHac,
} from "./references/python.ts";
import { loadAverage } from "./runner/env.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const REPO = join(HERE, "..");
const DIM = 128;
/** Heights may differ by float32-vs-float64 distance rounding only. */
export const HEIGHT_TOLERANCE = 1e-5;
/** Where the partitions are compared, as fractions of the merges. */
const CUT_FRACTIONS = [0.5, 0.9, 0.99];

function unitRows(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed), out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) (out[i * dim + k] = rng.normal(), s += out[i * dim + k]! ** 2);
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < dim; k++) out[i * dim + k]! *= inv;
  }
  return out;
}

/** Our side of a cell: `pb cluster` as a user runs it. */
async function runOurs(file: string, linkage: string, merges: string, threads?: string) {
  const args = ["run", "-A", join(REPO, "cli/main.ts"), "cluster", "--embeddings", file, "--linkage", linkage];
  args.push("--merges", merges, "--json", ...(threads ? ["--threads", threads] : []));
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" }).output();
  const processWallSeconds = (performance.now() - t0) / 1000;
  if (!out.success) throw new Error(`pb cluster failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  const s = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
  return { summary: s, processWallSeconds, merges: (await readNpy(merges)).data as Float64Array };
}

const f2 = (x: number) => x.toFixed(2);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean" },
      sizes: { type: "string" },
      linkages: { type: "string" },
      libraries: { type: "string", default: HAC_LIBRARIES.join(",") },
      threads: { type: "string" },
      repeats: { type: "string", default: "1" },
      json: { type: "string" },
    },
  });
  const sizes = (values.sizes ?? (values.quick ? "2000" : "2000,5000,10000,20000")).split(",").map(Number);
  const linkages = (values.linkages ?? (values.quick ? "average,single" : "average,single,complete")).split(",");
  const libraries = values.libraries!.split(",") as HacLibrary[];
  const repeats = Math.max(1, Math.floor(Number(values.repeats)));
  const refs = await findPythonReferences();
  const reason = missingReason(refs, [
    "numpy",
    "scipy",
    ...(libraries.includes("fastcluster") ? ["fastcluster" as const] : []),
  ]);
  if (reason) {
    console.log(`references: skipped — ${reason}`);
    return 0;
  }
  const v = refs!.versions;
  console.log(
    `# HAC against SciPy ${v.scipy} / fastcluster ${v.fastcluster} (numpy ${v.numpy}, ${refs!.python}), same run; ` +
      `random unit rows d = ${DIM}; pb cluster with default options${
        values.threads ? ` + --threads ${values.threads}` : ""
      }; ` +
      `load average ${loadAverage().join(" ")}`,
  );
  console.log(
    "| N | linkage | ours s (call / process / CPU) | library | library s (call / process / CPU) | " +
      "ours ÷ library (call) | (process) | (CPU) | max Δheight | same partition at cuts |\n" +
      "|---|---|---|---|---|---|---|---|---|---|",
  );
  const dir = await Deno.makeTempDir({ prefix: "pb-references-" });
  const records: Record<string, unknown>[] = [];
  let disagreements = 0;
  try {
    for (const n of sizes) {
      const file = join(dir, `x${n}.npy`);
      await writeNpy(file, { dtype: "float32", shape: [n, DIM], data: unitRows(n, DIM, 1) });
      for (const linkage of linkages) {
        // Repeats alternate the order (ours first, then ours last) so that a load trend favours neither side.
        const oursRuns: Awaited<ReturnType<typeof runOurs>>[] = [];
        const theirRuns = new Map<HacLibrary, ReferenceHac[]>(libraries.map((l) => [l, []]));
        let cuts: ReturnType<typeof cutLevels> = [];
        for (let rep = 0; rep < repeats; rep++) {
          const runMine = async () => {
            const o = await runOurs(file, linkage, join(dir, "ours.npy"), values.threads);
            if (oursRuns.length === 0) cuts = cutLevels(o.merges, CUT_FRACTIONS);
            oursRuns.push(o);
          };
          if (rep % 2 === 0) await runMine();
          for (const library of libraries) {
            if (oursRuns.length === 0) await runMine();
            const r = await referenceHac(refs!, library, file, linkage, cuts.map((c) => c.threshold));
            theirRuns.get(library)!.push(r);
          }
          if (rep % 2 === 1) await runMine();
        }
        const ours = oursRuns[0]!;
        const oursCall = median(oursRuns.map((o) => o.summary.seconds as number));
        const oursProcess = median(oursRuns.map((o) => o.processWallSeconds));
        const oursCpu = median(oursRuns.map((o) => o.summary.cpu_seconds as number));
        const record: Record<string, unknown> = {
          n,
          dim: DIM,
          linkage,
          repeats,
          ours: {
            ...ours.summary,
            seconds_runs: oursRuns.map((o) => o.summary.seconds),
            cpu_seconds_runs: oursRuns.map((o) => o.summary.cpu_seconds),
            process_wall_s_runs: oursRuns.map((o) => o.processWallSeconds),
          },
          references: [],
        };
        for (const library of libraries) {
          const runs = theirRuns.get(library)!, r = runs[0]!;
          const dh = maxHeightDifference(ours.merges, r.merges);
          const cutRows = cuts.map((c, k) => {
            const mine = cutDendrogram(ours.merges, n, c.threshold);
            const same = samePartition(mine, r.cutLabels[k]!);
            const clusters = (l: Int32Array) => new Set(l).size;
            return { ...c, same, ours_clusters: clusters(mine), theirs_clusters: clusters(r.cutLabels[k]!) };
          });
          const bad = !(dh <= HEIGHT_TOLERANCE) || cutRows.some((c) => !c.same && c.margin > HEIGHT_TOLERANCE);
          if (bad) disagreements++;
          // Per-repeat ratios (each pair measured back to back), then their median.
          const ratio = (mine: (k: number) => number, theirs: (x: ReferenceHac) => number) =>
            median(runs.map((x, k) => mine(k) / theirs(x)));
          const callRatio = ratio((k) => oursRuns[k]!.summary.seconds, (x) => x.seconds);
          const processRatio = ratio((k) => oursRuns[k]!.processWallSeconds, (x) => x.processWallSeconds);
          const cpuRatio = ratio((k) => oursRuns[k]!.summary.cpu_seconds, (x) => x.cpuSeconds);
          (record.references as unknown[]).push({
            library,
            version: r.version,
            seconds_runs: runs.map((x) => x.seconds),
            distance_seconds_runs: runs.map((x) => x.distanceSeconds),
            linkage_seconds_runs: runs.map((x) => x.linkageSeconds),
            cpu_seconds_runs: runs.map((x) => x.cpuSeconds),
            process_wall_s_runs: runs.map((x) => x.processWallSeconds),
            peak_rss_mb: r.peakRssMb,
            ratio_call: callRatio,
            ratio_process: processRatio,
            ratio_cpu: cpuRatio,
            max_height_diff: dh,
            cuts: cutRows,
          });
          const sameCount = cutRows.filter((c) => c.same).length;
          console.log(
            `| ${n} | ${linkage} | ${f2(oursCall)} / ${f2(oursProcess)} / ${f2(oursCpu)} | ${library} | ` +
              `${f2(median(runs.map((x) => x.seconds)))} / ${f2(median(runs.map((x) => x.processWallSeconds)))} / ` +
              `${f2(median(runs.map((x) => x.cpuSeconds)))} | ${f2(callRatio)} | ${f2(processRatio)} | ` +
              `${f2(cpuRatio)} | ${dh.toExponential(1)} | ${sameCount}/${cutRows.length}${bad ? " DISAGREE" : ""} |`,
          );
        }
        records.push(record);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const threads = (records[0]?.ours as { threads?: number } | undefined)?.threads;
  console.log(
    `ours: pb cluster defaults (${threads} threads, WebAssembly kernel); call = inside the process around the ` +
      "work, process = start to exit. Verdict: a ratio below 1 means ours is faster on the same data in this run; " +
      `outputs agree when heights match within ${HEIGHT_TOLERANCE} and partitions are equal at every cut. ` +
      `Load average at the end: ${loadAverage().join(" ")}`,
  );
  if (values.json) {
    await writeFileAtomic(values.json, JSON.stringify({ versions: v, python: refs!.python, records }, null, 2) + "\n");
  }
  if (disagreements > 0) console.log(`references: ${disagreements} comparison(s) disagree`);
  return disagreements > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
