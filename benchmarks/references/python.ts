/**
 * Reference libraries measured in the same run as ours: SciPy and fastcluster (HAC) and scikit-learn (lasso), run
 * by the small scripts beside this file in a Python subprocess that reads and writes `.npy` and JSON. Timings are
 * taken inside Python around the library calls (and the process wall time beside them), so an import or a file
 * read is not charged to the library.
 *
 * Debian's `python3-scipy`, `python3-sklearn` and `python3-fastcluster` (`.ci/install-references.sh`) install for
 * `/usr/bin/python3`; `$PB_PYTHON` names another interpreter.
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readNpy, writeNpy } from "../../datasets/npy.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));

/** The Python modules the reference scripts use. */
export const REFERENCE_MODULES = ["numpy", "scipy", "sklearn", "fastcluster"] as const;
/** One of {@link REFERENCE_MODULES}. */
export type ReferenceModule = typeof REFERENCE_MODULES[number];

/** A Python interpreter and the versions of the reference modules it imports (null: missing). */
export interface PythonReferences {
  python: string;
  versions: Record<ReferenceModule, string | null>;
}

const PROBE = "import importlib, json\nout = {}\nfor m in " + JSON.stringify(REFERENCE_MODULES) +
  ":\n    try:\n        out[m] = importlib.import_module(m).__version__\n    except Exception:\n" +
  "        out[m] = None\nprint(json.dumps(out))\n";

let found: Promise<PythonReferences | null> | undefined;

/**
 * Finds the interpreter with the most reference modules: `$PB_PYTHON`, then `/usr/bin/python3` (Debian's
 * packages), then `python3` on PATH. Null when none runs. Probed once per process.
 */
export function findPythonReferences(): Promise<PythonReferences | null> {
  return found ??= probeAll();
}

async function probeAll(): Promise<PythonReferences | null> {
  const candidates = [Deno.env.get("PB_PYTHON"), "/usr/bin/python3", "python3"].filter((c): c is string => !!c);
  let best: PythonReferences | null = null;
  const count = (r: PythonReferences) => Object.values(r.versions).filter((v) => v !== null).length;
  for (const python of [...new Set(candidates)]) {
    try {
      const out = await new Deno.Command(python, { args: ["-c", PROBE], stdout: "piped", stderr: "null" }).output();
      if (!out.success) continue;
      const r = { python, versions: JSON.parse(new TextDecoder().decode(out.stdout)) };
      if (!best || count(r) > count(best)) best = r;
    } catch {
      // not installed
    }
  }
  return best;
}

/**
 * Why the reference modules `needed` cannot run, in one line, or null when they can.
 * @param refs the result of {@link findPythonReferences}
 * @param needed modules the comparison needs
 */
export function missingReason(refs: PythonReferences | null, needed: readonly ReferenceModule[]): string | null {
  if (!refs) return "no python3 found (install Debian's python3 and run bash .ci/install-references.sh)";
  const missing = needed.filter((m) => refs.versions[m] === null);
  if (missing.length === 0) return null;
  const pkg = (m: string) => `python3-${m}`;
  return `${refs.python} lacks ${missing.join(", ")} (bash .ci/install-references.sh installs ` +
    `${missing.map(pkg).join(", ")})`;
}

/** BLAS on one thread, as our solvers: on a small shared machine BLAS threads spin against other work. */
const ONE_BLAS_THREAD = { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };

async function runScript(
  refs: PythonReferences,
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ wallSeconds: number }> {
  const t0 = performance.now();
  const out = await new Deno.Command(refs.python, {
    args: [join(HERE, script), ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallSeconds = (performance.now() - t0) / 1000;
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-1)[0] ?? "";
    throw new Error(`${script} (${refs.python}) failed: ${err}`);
  }
  return { wallSeconds };
}

/** HAC libraries with a reference script. */
export const HAC_LIBRARIES = ["scipy", "fastcluster"] as const;
/** One of {@link HAC_LIBRARIES}. */
export type HacLibrary = typeof HAC_LIBRARIES[number];

/** What a reference HAC run returns. */
export interface ReferenceHac {
  library: HacLibrary;
  version: string;
  /** SciPy-format merges, m × 4 float64. */
  merges: Float64Array;
  /** fcluster(Z, t, "distance") − 1 per cut, in the order of `cuts`. */
  cutLabels: Int32Array[];
  /** Inside Python around pdist(cosine) + linkage. */
  seconds: number;
  distanceSeconds: number;
  linkageSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  /** The Python process end to end (start, imports, .npy read, the call, writing). */
  processWallSeconds: number;
}

/**
 * Runs SciPy's or fastcluster's linkage on cosine distances of `vectors` (pdist in float64).
 * @param refs interpreter with the library (see {@link missingReason})
 * @param library `scipy` or `fastcluster`
 * @param input an n × dim float32 `.npy` file, or the rows to write to one
 * @param method linkage method (`single`, `complete`, `average`)
 * @param cuts distance thresholds at which to return fcluster partitions
 * @returns merges, partitions and timings
 */
export async function referenceHac(
  refs: PythonReferences,
  library: HacLibrary,
  input: string | { vectors: Float32Array; dim: number },
  method: string,
  cuts: number[] = [],
): Promise<ReferenceHac> {
  const dir = await Deno.makeTempDir({ prefix: "pb-ref-hac-" });
  try {
    let file: string;
    if (typeof input === "string") file = input;
    else {
      file = join(dir, "x.npy");
      const n = input.vectors.length / input.dim;
      await writeNpy(file, { dtype: "float32", shape: [n, input.dim], data: input.vectors });
    }
    const args = ["--library", library, "--input", file, "--method", method];
    args.push("--merges", join(dir, "z.npy"), "--json", join(dir, "r.json"));
    if (cuts.length > 0) args.push("--cuts", cuts.join(","), "--labels", join(dir, "labels.npy"));
    const { wallSeconds } = await runScript(refs, "hac.py", args);
    const r = JSON.parse(await Deno.readTextFile(join(dir, "r.json")));
    const merges = (await readNpy(join(dir, "z.npy"))).data as Float64Array;
    const cutLabels: Int32Array[] = [];
    if (cuts.length > 0) {
      const l = await readNpy(join(dir, "labels.npy"));
      const n = l.shape[1]!;
      for (let k = 0; k < cuts.length; k++) cutLabels.push((l.data as Int32Array).slice(k * n, (k + 1) * n));
    }
    return {
      library,
      version: r.version,
      merges,
      cutLabels,
      seconds: r.seconds,
      distanceSeconds: r.distance_seconds,
      linkageSeconds: r.linkage_seconds,
      cpuSeconds: r.cpu_seconds,
      peakRssMb: r.peak_rss_mb,
      processWallSeconds: wallSeconds,
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** scikit-learn solvers with a reference script: `Lasso`, `LassoLars` per query, `SparseCoder` batched. */
export type LassoReferenceSolver = "lasso" | "lars" | "sparse-coder";

/** What a reference lasso run returns. */
export interface ReferenceLasso {
  solver: LassoReferenceSolver;
  version: string;
  /** queries × atoms, float64. */
  codes: Float64Array;
  /** ½‖y − Dᵀx‖² + λ‖x‖₁ per query, computed by the script. */
  objective: number[];
  /** Best round, inside Python, per query: wall time. */
  msPerQuery: number;
  /** Best round, inside Python, per query: the process's CPU time. */
  cpuMsPerQuery: number;
  processWallSeconds: number;
}

/**
 * Runs scikit-learn's lasso on the same dictionary and queries as ours (objective ½‖y − Dᵀx‖² + λ‖x‖₁), with
 * BLAS on one thread, as our solvers run.
 * @param refs interpreter with scikit-learn
 * @param solver `lasso` / `lars` (one query per fit) or `sparse-coder` (all queries in one call)
 * @param atoms D, atoms × dim
 * @param queries queries × dim
 * @param dim row length
 * @param lambda ℓ1 weight
 * @param rounds timed passes (the best is kept)
 * @returns codes, objectives, ms per query
 */
export async function referenceLasso(
  refs: PythonReferences,
  solver: LassoReferenceSolver,
  atoms: Float32Array,
  queries: Float32Array,
  dim: number,
  lambda: number,
  rounds = 3,
): Promise<ReferenceLasso> {
  const dir = await Deno.makeTempDir({ prefix: "pb-ref-lasso-" });
  try {
    await writeNpy(join(dir, "d.npy"), { dtype: "float32", shape: [atoms.length / dim, dim], data: atoms });
    await writeNpy(join(dir, "q.npy"), { dtype: "float32", shape: [queries.length / dim, dim], data: queries });
    const args = ["--atoms", join(dir, "d.npy"), "--queries", join(dir, "q.npy"), "--lambda", String(lambda)];
    args.push("--solver", solver, "--codes", join(dir, "x.npy"), "--json", join(dir, "r.json"));
    args.push("--rounds", String(rounds));
    const { wallSeconds } = await runScript(refs, "lasso.py", args, ONE_BLAS_THREAD);
    const r = JSON.parse(await Deno.readTextFile(join(dir, "r.json")));
    return {
      solver,
      version: r.version,
      codes: (await readNpy(join(dir, "x.npy"))).data as Float64Array,
      objective: r.objective,
      msPerQuery: r.ms_per_query,
      cpuMsPerQuery: r.cpu_ms_per_query,
      processWallSeconds: wallSeconds,
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
