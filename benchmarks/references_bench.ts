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
 *       [--libraries scipy,fastcluster] [--threads N] [--json FILE]`
 * (`--threads`: passed to `pb cluster`; by default none is passed, so its default — the available cores — runs.)
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

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean" },
      sizes: { type: "string" },
      linkages: { type: "string" },
      libraries: { type: "string", default: HAC_LIBRARIES.join(",") },
      threads: { type: "string" },
      json: { type: "string" },
    },
  });
  const sizes = (values.sizes ?? (values.quick ? "2000" : "2000,5000,10000,20000")).split(",").map(Number);
  const linkages = (values.linkages ?? (values.quick ? "average,single" : "average,single,complete")).split(",");
  const libraries = values.libraries!.split(",") as HacLibrary[];
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
    "| N | linkage | ours s (in-process / process) | library | library s (call / process) | ours ÷ library (call) | " +
      "ours ÷ library (process) | max Δheight | same partition at cuts |\n|---|---|---|---|---|---|---|---|---|",
  );
  const dir = await Deno.makeTempDir({ prefix: "pb-references-" });
  const records: Record<string, unknown>[] = [];
  let disagreements = 0;
  try {
    for (const n of sizes) {
      const file = join(dir, `x${n}.npy`);
      await writeNpy(file, { dtype: "float32", shape: [n, DIM], data: unitRows(n, DIM, 1) });
      for (const linkage of linkages) {
        const ours = await runOurs(file, linkage, join(dir, "ours.npy"), values.threads);
        const cuts = cutLevels(ours.merges, CUT_FRACTIONS);
        const record: Record<string, unknown> = {
          n,
          dim: DIM,
          linkage,
          ours: { ...ours.summary, process_wall_s: ours.processWallSeconds },
          references: [],
        };
        for (const library of libraries) {
          const r = await referenceHac(refs!, library, file, linkage, cuts.map((c) => c.threshold));
          const dh = maxHeightDifference(ours.merges, r.merges);
          const cutRows = cuts.map((c, k) => {
            const mine = cutDendrogram(ours.merges, n, c.threshold);
            const same = samePartition(mine, r.cutLabels[k]!);
            const clusters = (l: Int32Array) => new Set(l).size;
            return { ...c, same, ours_clusters: clusters(mine), theirs_clusters: clusters(r.cutLabels[k]!) };
          });
          const bad = !(dh <= HEIGHT_TOLERANCE) || cutRows.some((c) => !c.same && c.margin > HEIGHT_TOLERANCE);
          if (bad) disagreements++;
          const callRatio = ours.summary.seconds / r.seconds;
          const processRatio = ours.processWallSeconds / r.processWallSeconds;
          (record.references as unknown[]).push({
            library,
            version: r.version,
            seconds: r.seconds,
            distance_seconds: r.distanceSeconds,
            linkage_seconds: r.linkageSeconds,
            cpu_seconds: r.cpuSeconds,
            peak_rss_mb: r.peakRssMb,
            process_wall_s: r.processWallSeconds,
            ratio_call: callRatio,
            ratio_process: processRatio,
            max_height_diff: dh,
            cuts: cutRows,
          });
          const sameCount = cutRows.filter((c) => c.same).length;
          console.log(
            `| ${n} | ${linkage} | ${f2(ours.summary.seconds)} / ${f2(ours.processWallSeconds)} | ${library} | ` +
              `${f2(r.seconds)} / ${f2(r.processWallSeconds)} | ${f2(callRatio)} | ${f2(processRatio)} | ` +
              `${dh.toExponential(1)} | ${sameCount}/${cutRows.length}${bad ? " DISAGREE" : ""} |`,
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
