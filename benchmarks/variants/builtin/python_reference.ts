/**
 * Reference libraries as harness variants, so that a sweep puts them beside ours on the same dataset, in the same
 * run: `scipy-hac` and `fastcluster-hac` (HAC on every face, cut at a threshold, like our `hac`) and
 * `sklearn-lasso` (the `gallery-assign` split and gallery with scikit-learn's lasso codes, then our `sparse`
 * decision rule). They run `benchmarks/references/*.py` in a Python subprocess; the harness's latency includes the
 * process start; the library's own time is in `samples.library_seconds` (inside Python, around the calls) and the
 * Python process's in `samples.library_process_seconds`.
 *
 * Without Python or the library (`bash .ci/install-references.sh`), `prepare` fails with one line saying what is
 * missing, so the run is reported as failed with that reason.
 * @module
 */
import { secondPassInput } from "../../../algorithms/clustering/two_pass.ts";
import { observationLabels } from "../../../algorithms/clustering/two_pass.ts";
import { buildGallery, EXEMPLAR_STRATEGIES, type ExemplarStrategy } from "../../../algorithms/gallery/exemplars.ts";
import type { Gallery } from "../../../algorithms/gallery/gallery.ts";
import { clusterInputFromDataset } from "../../../datasets/cluster_input.ts";
import {
  findPythonReferences,
  type HacLibrary,
  type LassoReferenceSolver,
  missingReason,
  type PythonReferences,
  referenceHac,
  referenceLasso,
} from "../../references/python.ts";
import type { Variant } from "../types.ts";
import { assignVariant, SPLIT_PARAMS } from "./assign.ts";

type RefHacParams = { linkage: string; threshold: number };

async function requireReferences(modules: ("scipy" | "fastcluster" | "sklearn")[]): Promise<PythonReferences> {
  const refs = await findPythonReferences();
  const why = missingReason(refs, ["numpy", ...modules]);
  if (why) throw new Error(`reference library unavailable: ${why}`);
  return refs!;
}

function referenceHacVariant(library: HacLibrary, name: string): Variant<RefHacParams> {
  return {
    id: `${library}-hac`,
    stage: "cluster",
    summary: `${name}'s linkage on pdist(cosine) of every face (float64), cut at a threshold; reference for hac`,
    params: {
      linkage: {
        kind: "enum",
        values: ["single", "complete", "average"],
        default: "average",
        help: "linkage method [average]",
      },
      threshold: { kind: "float", min: 0, max: 2, default: 0.5, help: "fcluster distance threshold [0.5]" },
    },
    async prepare(input) {
      const refs = await requireReferences(library === "scipy" ? ["scipy"] : ["scipy", "fastcluster"]);
      return { refs, sp: secondPassInput(clusterInputFromDataset(input.dataset), null) };
    },
    async run(_input, p, _ctx, state) {
      const { refs, sp } = state as { refs: PythonReferences; sp: ReturnType<typeof secondPassInput> };
      const items = sp.items.length;
      let itemLabels: Int32Array = new Int32Array(items);
      let seconds = 0, processWall = 0;
      if (items >= 2) {
        const r = await referenceHac(refs, library, { vectors: sp.vectors, dim: sp.dim }, p.linkage, [p.threshold]);
        itemLabels = r.cutLabels[0]!;
        seconds = r.seconds;
        processWall = r.processWallSeconds;
      }
      return {
        labels: observationLabels(sp, itemLabels),
        samples: { library_seconds: [seconds], library_process_seconds: [processWall] },
        counters: { hac_points: items },
      };
    },
  };
}

/** `scipy-hac`: SciPy's `linkage` + `fcluster` on the dataset's faces. */
export const scipyHacVariant = referenceHacVariant("scipy", "SciPy");
/** `fastcluster-hac`: fastcluster's `linkage` + SciPy's `fcluster` on the dataset's faces. */
export const fastclusterHacVariant = referenceHacVariant("fastcluster", "fastcluster");

type RefLassoParams = {
  solver: string;
  lambda: number;
  exemplars: number;
  strategy: string;
  enroll_fraction: number;
  unknown_fraction: number;
};

type Split = { enrolRows: Float32Array; enrolLabels: Int32Array; queries: Int32Array; queryRows: Float32Array };

/** `sklearn-lasso`: the `gallery-assign` split and gallery, scikit-learn's lasso codes, our sparse decision rule. */
export const sklearnLassoVariant: Variant<RefLassoParams> = {
  id: "sklearn-lasso",
  stage: "assign",
  summary: "scikit-learn lasso codes (SparseCoder or Lasso) over the gallery-assign gallery; reference for sparse",
  params: {
    solver: {
      kind: "enum",
      values: ["sparse-coder", "lasso"],
      default: "sparse-coder",
      help: "SparseCoder lasso_cd (all queries at once) or Lasso (one query per fit) [sparse-coder]",
    },
    lambda: { kind: "float", min: 0, max: 100, default: 0.1, help: "λ of ½‖y − Dᵀx‖² + λ‖x‖₁ [0.1]" },
    exemplars: { kind: "int", min: 0, max: 1000, default: 5, help: "exemplars per person c (0 = all members) [5]" },
    strategy: { kind: "enum", values: EXEMPLAR_STRATEGIES, default: "kmedoids", help: "exemplar choice [kmedoids]" },
    ...SPLIT_PARAMS,
  },
  async prepare(input, p, ctx) {
    const refs = await requireReferences(["sklearn"]);
    // The same split as gallery-assign with the same seed (its prepare draws from the same stage RNG).
    const split = assignVariant.prepare!(input, { ...p, method: "sparse", k: 5, batch: 0 }, ctx) as Split;
    return { refs, split };
  },
  async run(input, p, ctx, state) {
    const { refs, split } = state as { refs: PythonReferences; split: Split };
    const dim = input.dataset.manifest.face.dim;
    const gallery = buildGallery(split.enrolRows, dim, split.enrolLabels, {
      exemplars: p.exemplars,
      strategy: p.strategy as ExemplarStrategy,
      seed: ctx.seed,
    });
    const r = await referenceLasso(
      refs,
      p.solver as LassoReferenceSolver,
      gallery.atoms,
      split.queryRows,
      dim,
      p.lambda,
      1,
    );
    const n = split.queries.length, m = gallery.atomPerson.length;
    const predicted = new Int32Array(n).fill(-1), scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = r.codes.subarray(i * m, (i + 1) * m);
      let bp = -1, be = 0;
      for (let person = 0; person < gallery.persons; person++) {
        let e = 0;
        for (let a = gallery.personStart[person]!; a < gallery.personStart[person + 1]!; a++) e += Math.abs(x[a]!);
        if (e > be) (be = e, bp = person);
      }
      if (bp < 0) continue;
      predicted[i] = gallery.personId[bp]!;
      scores[i] = explained(gallery, split.queryRows.subarray(i * dim, (i + 1) * dim), x, bp);
    }
    const seconds = (r.msPerQuery * n) / 1000;
    return {
      assignment: { queries: split.queries, predicted, scores, enrolled: Int32Array.from(gallery.personId) },
      samples: { library_seconds: [seconds], library_process_seconds: [r.processWallSeconds] },
      counters: { persons: gallery.persons, atoms: m, queries: n },
    };
  },
};

/** 1 − ‖y − D_pᵀx_p‖² / ‖y‖² of query y for the atoms of `person`: the `sparse` method's default score. */
function explained(gallery: Gallery, y: Float32Array, x: Float64Array, person: number): number {
  const { atoms, dim } = gallery, start = gallery.personStart[person]!, end = gallery.personStart[person + 1]!;
  let yy = 0, rr = 0;
  for (let t = 0; t < dim; t++) {
    const yt = y[t]!;
    let fit = 0;
    for (let a = start; a < end; a++) fit += atoms[a * dim + t]! * x[a]!;
    yy += yt * yt;
    rr += (yt - fit) ** 2;
  }
  return yy > 0 ? 1 - rr / yy : 0;
}
