/**
 * `pb library simulate`: an incremental photo library with nightly re-clustering and a scripted user.
 * @module
 */
import { assignmentMethodIds } from "../../algorithms/assignment/methods.ts";
import { LINKAGE_IDS } from "../../algorithms/hac/linkage.ts";
import { type LibrarySimReport, simulateLibrary } from "../../benchmarks/library_sim.ts";
import { readDataset } from "../../datasets/io.ts";
import { writeFileAtomic } from "../../base/atomic.ts";
import { UsageError } from "../../base/errors.ts";
import { choice, type Command, flag, num, optNum, optStr, str } from "../command.ts";
import { dedent } from "../help.ts";

/** Formats the per-night table. */
export function librarySummary(r: LibrarySimReport): string {
  const f = (x: number) => (Number.isNaN(x) ? "  n/a" : x.toFixed(3));
  const head =
    "night    obs  new-faces  online-acc  unassigned  persons  gallery  BCubed-F1  pw-F1  F1-after-user  changed/compared  named-drift  corrections(c/r/n/m/s)  repairs(conf/rej/cl)  cluster-ms";
  const rows = r.nights.map((x) =>
    [
      String(x.night).padStart(5),
      String(x.observations).padStart(6),
      String(x.newFaces).padStart(10),
      f(x.onlineAccuracy).padStart(11),
      f(x.onlineUnassigned).padStart(11),
      String(x.persons).padStart(8),
      String(x.galleryPersons).padStart(8),
      f(x.bcubedF1).padStart(10),
      f(x.pairwiseF1).padStart(6),
      f(x.bcubedF1AfterUser).padStart(14),
      `${x.personsChanged}/${x.personsCompared}`.padStart(17),
      String(x.namedDrift).padStart(12),
      Object.values(x.corrections).join("/").padStart(23),
      `${x.repairs.confirmed}/${x.repairs.rejected}/${x.repairs.cannotLink}`.padStart(21),
      x.ms.cluster.toFixed(0).padStart(11),
    ].join(" ")
  );
  return [
    `library simulation on ${r.dataset}: ${r.observations} observations, ${r.nights.length} nights, method ${r.options.method}`,
    head,
    ...rows,
    `total: ${r.totals.corrections} user corrections, ${r.totals.seconds.toFixed(1)} s`,
  ].join("\n");
}

/** The `pb library` command (sub-command `simulate`). */
export const libraryCommand: Command = {
  name: "library",
  summary: "simulate an incremental library: online assignment, nightly re-clustering, a scripted user",
  usage: "simulate --data DIR [--nights N] [--method M] [--corrections K] [--seed N] [--json FILE]",
  positionals: true,
  description: dedent`
    Photos arrive in capture-time order, cut into N equal chunks (a day each). By day each new face is
    recognised against the gallery (--method, --exemplars, --unknown-threshold); faces scoring below the
    threshold stay unassigned. Each night everything seen is clustered again (greedy first pass + HAC with
    --linkage/--threshold); new clusters take the ids of the persons they overlap most (greedy maximum
    overlap), then the user's constraints are enforced: confirmed faces stay, a rejected face never returns
    to that person, two faces of one photo are never the same person. A scripted user (ground truth) then
    makes up to K corrections: merge, split, reject, confirm, name (round-robin, seeded).
    Reported per night: online accuracy, BCubed/pairwise F1 before and after the user, persons whose
    membership changed, named persons whose identity drifted, corrections and constraint repairs.
  `,
  options: {
    data: { type: "string", value: "DIR", help: "dataset folder (identities and capture times)" },
    nights: { type: "string", value: "N", help: "re-clustering nights [8]" },
    method: { type: "string", value: "M", help: `online assignment: ${assignmentMethodIds().join(" | ")} [sparse]` },
    exemplars: { type: "string", value: "C", help: "exemplars per gallery person [5]" },
    lambda: { type: "string", value: "L", help: "λ of sparse/crc [method default]" },
    "unknown-threshold": { type: "string", value: "U", help: "online score below U → unassigned [0.3]" },
    linkage: { type: "string", value: "L", help: `nightly HAC linkage: ${LINKAGE_IDS.join(" | ")} [average]` },
    threshold: { type: "string", value: "T", help: "nightly HAC threshold [0.5]" },
    "first-threshold": { type: "string", value: "T1", help: "greedy first-pass threshold [0.3]" },
    corrections: { type: "string", value: "K", help: "user corrections per night [20]" },
    seed: { type: "string", value: "N", help: "seed [0]" },
    json: { type: "string", value: "FILE", help: "also write the report as JSON" },
    quiet: { type: "boolean", help: "no progress lines" },
  },
  async run(args) {
    if (args.positionals.length !== 1 || args.positionals[0] !== "simulate") {
      throw new UsageError("usage: pb library simulate --data DIR [options]");
    }
    const ds = await readDataset(str(args, "data"));
    const report = simulateLibrary(ds, {
      nights: num(args, "nights", 8, { min: 1, integer: true }),
      method: choice(args, "method", assignmentMethodIds(), "sparse"),
      exemplars: num(args, "exemplars", 5, { min: 0, integer: true }),
      lambda: optNum(args, "lambda", { min: 0 }),
      unknownThreshold: num(args, "unknown-threshold", 0.3),
      linkage: choice(args, "linkage", LINKAGE_IDS, "average"),
      threshold: num(args, "threshold", 0.5, { min: 0 }),
      firstThreshold: num(args, "first-threshold", 0.3, { min: 0 }),
      corrections: num(args, "corrections", 20, { min: 0, integer: true }),
      seed: num(args, "seed", 0, { integer: true }),
      log: flag(args, "quiet") ? undefined : (l) => console.error(l),
    });
    const json = optStr(args, "json");
    if (json) await writeFileAtomic(json, JSON.stringify(report, null, 2) + "\n");
    console.log(librarySummary(report));
  },
};
