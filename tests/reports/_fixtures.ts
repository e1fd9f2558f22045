/**
 * Synthetic result records for report tests: valid under the benchmark schema, seeded, and covering the
 * data every figure reads (per-merge times, threshold curves, assignment sweeps, per-kind and per-subgroup
 * metrics, latency samples, unclear-face curves), plus optional failed runs.
 * @module
 */
import { join } from "node:path";
import { Rng } from "../../algorithms/random/rng.ts";
import {
  metricDirection,
  RESULT_SCHEMA,
  RESULT_SCHEMA_VERSION,
  type ResultRecord,
  type StageVariant,
  type SubgroupMetric,
  validateResultRecord,
} from "../../benchmarks/results/schema.ts";

/** Fields a fixture record may set; the rest get defaults. */
export interface RecordInit {
  experiment: string;
  stages: Record<string, StageVariant>;
  seed?: number;
  repeat?: number;
  repeats?: number;
  dataset?: string;
  n?: number;
  status?: ResultRecord["status"];
  error?: string | null;
  metrics?: Record<string, number>;
  subgroups?: SubgroupMetric[];
  samples?: Record<string, number[]>;
  curves?: ResultRecord["curves"];
  wall?: number;
  backend?: string;
  counters?: Record<string, number>;
  /** Marks the backend's adapter as a software one (e.g. lavapipe). */
  softwareAdapter?: boolean;
  /** Attributes the dataset declares [gender, age_group]. */
  attributes?: string[];
}

let counter = 0;

function hex(text: string): string {
  // Not cryptographic: a stable 64-hex-digit id from text, enough for fixture run ids.
  let h1 = 0x811c9dc5, h2 = 0x1234567;
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 16777619) >>> 0;
    h2 = Math.imul(h2 + text.charCodeAt(i), 2654435761) >>> 0;
  }
  return (h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0")).repeat(4);
}

/** One valid record (validated before it is returned). */
export function makeRecord(init: RecordInit): ResultRecord {
  const seed = init.seed ?? 1;
  const repeat = init.repeat ?? 0;
  const label = Object.entries(init.stages).map(([s, v]) =>
    `${s}=${v.variant}(${Object.entries(v.params).map(([k, p]) => `${k}=${p}`).join(",")})`
  ).join(" ");
  const configId = hex(`${init.experiment}|${init.dataset ?? "tiny-s1"}|${label}|${seed}`);
  const metrics = init.metrics ?? {};
  const r: ResultRecord = {
    schema: RESULT_SCHEMA,
    schema_version: RESULT_SCHEMA_VERSION,
    run_id: hex(`${configId}|${repeat}|${counter++}`),
    config_id: configId,
    spec: { name: "fixture-suite", hash: hex("fixture-spec"), path: "experiments/fixture.json" },
    experiment: init.experiment,
    variant: { label, stages: init.stages },
    dataset: {
      name: init.dataset ?? "tiny-s1",
      preset: "tiny",
      path: null,
      seed: 1,
      manifest_hash: hex(`manifest|${init.dataset ?? "tiny-s1"}`),
      n: init.n ?? 2000,
      identities: 40,
      attributes: init.attributes ?? ["gender", "age_group"],
    },
    seed,
    repeat,
    repeats: init.repeats ?? 1,
    warmups: 1,
    status: init.status ?? "ok",
    error: init.status && init.status !== "ok" ? (init.error ?? "child exited with code 1") : null,
    metrics,
    metric_directions: Object.fromEntries(Object.keys(metrics).map((k) => [k, metricDirection(k)])),
    subgroups: init.subgroups ?? [],
    counters: init.counters ?? {},
    timings: { wall_s: init.wall ?? 1, cpu_s: init.wall ?? 1, peak_rss_mb: 120, samples: init.samples ?? {} },
    curves: init.curves ?? {},
    backend: {
      requested: init.backend ?? null,
      used: init.backend ?? "typescript",
      detail: null,
      ...(init.softwareAdapter !== undefined
        ? {
          adapter: init.softwareAdapter ? "llvmpipe, software/fallback adapter" : null,
          software_adapter: init.softwareAdapter,
        }
        : {}),
    },
    env: {
      git_sha: "0123456789abcdef0123456789abcdef01234567",
      git_dirty: false,
      code_version: "0123456789ab",
      deno: "2.9.6",
      v8: "14.0",
      typescript: "5.9",
      onnxruntime: "1.30.0",
      cpu_model: "Fixture CPU",
      cores: 2,
      memory_gb: 24,
      os: "linux x86_64",
      load_avg: [0.5, 0.5, 0.5],
      lockfile_hash: null,
      hostname: "fixture",
    },
    artifacts: {},
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: "2026-01-01T00:00:01.000Z",
  };
  return validateResultRecord(JSON.parse(JSON.stringify(r)));
}

/** Which parts of the suite {@link fixtureRecords} produces. */
export interface FixtureOptions {
  /** Seed of the synthetic numbers [1]. */
  seed?: number;
  /** Add failed and timed-out runs [false]. */
  failures?: boolean;
  /** Experiments to include [all]. */
  experiments?: readonly ("linkages" | "face-body" | "assignment" | "backends" | "unclear" | "scale" | "training")[];
  /** Merges per HAC run [199]. */
  merges?: number;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * A whole synthetic sweep whose records feed every figure.
 * @param options see {@link FixtureOptions}
 * @returns the records, in a fixed order
 */
export function fixtureRecords(options: FixtureOptions = {}): ResultRecord[] {
  counter = 0;
  const rng = new Rng(options.seed ?? 1);
  const want = new Set(
    options.experiments ?? ["linkages", "face-body", "assignment", "backends", "unclear", "scale", "training"],
  );
  const merges = options.merges ?? 199;
  const out: ResultRecord[] = [];
  const thresholds = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
  if (want.has("linkages")) {
    const growth: Record<string, number> = { average: 0.3, median: 1.5, "median-sampled": 0.05, single: 0.1 };
    for (const linkage of ["average", "median", "median-sampled", "single"]) {
      for (const seed of [1, 2]) {
        for (let repeat = 0; repeat < 2; repeat++) {
          const g = growth[linkage]!;
          const merge = Array.from(
            { length: merges },
            (_, i) => round(2e-5 * (1 + g * (i / merges) * 40) * (0.8 + 0.4 * rng.float())),
          );
          const shift = linkage === "single" ? -0.1 : linkage === "median" ? 0.03 : 0;
          const p = thresholds.map((t) => round(Math.min(1, Math.max(0, 1.05 - 0.9 * (t + shift) ** 2))));
          const rec = thresholds.map((t) => round(Math.min(1, Math.max(0, 0.3 + 0.9 * (t + shift)))));
          const f = p.map((pp, i) => round((2 * pp * rec[i]!) / (pp + rec[i]! || 1)));
          const best = Math.max(...f);
          out.push(makeRecord({
            experiment: "linkages",
            stages: { cluster: { variant: "hac", params: { linkage, threshold: 0.5, sample_pairs: 64 } } },
            seed,
            repeat,
            repeats: 2,
            metrics: {
              "bcubed.f1": round(best - 0.01 * rng.float()),
              "bcubed.precision": p[3]!,
              "bcubed.recall": rec[3]!,
              "pairwise.f1": round(best - 0.05),
              clusters: 60 + rng.int(10),
            },
            samples: { merge_seconds: merge },
            curves: {
              "threshold.bcubed.precision": { x: thresholds, y: p, x_label: "threshold", y_label: "precision" },
              "threshold.bcubed.recall": { x: thresholds, y: rec, x_label: "threshold", y_label: "recall" },
              "threshold.bcubed.f1": { x: thresholds, y: f, x_label: "threshold", y_label: "f1" },
            },
            wall: round(merge.reduce((a, b) => a + b, 0) + 0.05),
          }));
        }
      }
    }
  }
  if (want.has("face-body")) {
    for (const distance of ["face", "face+body"]) {
      for (const seed of [1, 2, 3]) {
        const boost = distance === "face+body" ? 0.25 : 0;
        const subgroups: SubgroupMetric[] = [];
        for (const kind of ["body_only", "profile"]) {
          subgroups.push({
            attribute: "kind",
            group: kind,
            metric: "bcubed.recall",
            value: round(0.4 + boost + 0.05 * rng.float()),
            n: 120,
            ci_low: null,
            ci_high: null,
          });
          subgroups.push({
            attribute: "kind",
            group: kind,
            metric: "bcubed.precision",
            value: round(0.9 - boost / 5 + 0.02 * rng.float()),
            n: 120,
            ci_low: null,
            ci_high: null,
          });
        }
        for (
          const [attr, groups] of [["gender", ["female", "male"]], ["age_group", ["child", "adult", "senior"]]] as const
        ) {
          groups.forEach((group, gi) => {
            const v = round(0.8 + boost / 4 - 0.04 * gi + 0.02 * rng.float());
            subgroups.push({
              attribute: attr,
              group,
              metric: "bcubed.f1",
              value: v,
              n: 300 + 50 * gi,
              ci_low: round(v - 0.03),
              ci_high: round(Math.min(1, v + 0.03)),
            });
          });
        }
        out.push(makeRecord({
          experiment: "face-body",
          stages: { cluster: { variant: "two-pass", params: { distance, linkage: "median-sampled", threshold: 0.5 } } },
          seed,
          metrics: {
            "bcubed.f1": round(0.8 + boost / 4 + 0.01 * rng.float()),
            "bcubed.precision": 0.9,
            "bcubed.recall": 0.7,
          },
          subgroups,
          wall: round(0.4 + 0.3 * boost + 0.02 * rng.float()),
        }));
      }
    }
  }
  if (want.has("assignment")) {
    const base: Record<string, number> = { sparse: 0.9, centroid: 0.82, exemplar: 0.8, crc: 0.86 };
    for (const method of ["sparse", "centroid", "exemplar", "crc"]) {
      for (const exemplars of [2, 3, 5, 10]) {
        for (const seed of [1, 2, 3]) {
          out.push(makeRecord({
            experiment: "assignment",
            stages: { assign: { variant: method, params: { exemplars, lambda: 0.1 } } },
            seed,
            metrics: { top1: round(base[method]! - 0.3 / exemplars + 0.02 * rng.float()) },
            samples: {
              query_seconds: Array.from(
                { length: 50 },
                () => round((method === "sparse" ? 4e-4 : 5e-5) * (0.7 + rng.float())),
              ),
            },
            wall: 0.2,
          }));
        }
      }
    }
  }
  if (want.has("backends")) {
    for (const model of ["mobilefacenet", "arcface-r-512"]) {
      for (const backend of ["onnxruntime-cpu", "webgpu"]) {
        const slow = (model === "arcface-r-512" ? 10 : 1) * (backend === "webgpu" ? 0.6 : 1);
        out.push(makeRecord({
          experiment: "backends",
          stages: {
            embed: { variant: "onnx-embed", params: { model, batch: 32 } },
            cluster: { variant: "hac", params: { linkage: "median-sampled", threshold: 0.5 } },
          },
          backend,
          metrics: { "bcubed.f1": round((model === "arcface-r-512" ? 0.93 : 0.9) + 0.01 * rng.float()) },
          samples: {
            embed_seconds: Array.from({ length: 200 }, () => round(0.004 * slow * (0.8 + 0.5 * rng.float() ** 3))),
          },
          wall: round(4 * slow),
        }));
      }
    }
    // The backend latency study (onnx-latency): a model × backend × batch grid, a software adapter among them.
    for (
      const [backend, software, speed] of [["ort-node:cpu", false, 1], ["ort-web:wasm", false, 8], [
        "ort-web:webgpu",
        true,
        40,
      ]] as const
    ) {
      for (const model of ["mobilefacenet", "backbone-s"]) {
        for (const batch of [1, 8]) {
          const items = Array.from(
            { length: 4 },
            () => round(0.005 * speed * (0.9 + 0.2 * rng.float()) / batch ** 0.3),
          );
          out.push(makeRecord({
            experiment: "backend-latency",
            stages: { embed: { variant: "onnx-latency", params: { backend, model, batch, activation: "prelu" } } },
            backend,
            softwareAdapter: software,
            samples: { call_seconds: items.map((t) => round(t * batch)), item_seconds: items },
            metrics: {
              throughput_items_per_s: round(1 / (items.reduce((a, b) => a + b, 0) / items.length)),
              ...(backend === "ort-node:cpu" && model === "backbone-s"
                ? { "op.Conv.share": 0.6, "op.Conv.us_per_run": 900, "op.PRelu.share": 0.4, "op.PRelu.us_per_run": 600 }
                : {}),
            },
            counters: { batch, calls: 4, native_batch: 1, ...(model === "backbone-s" ? { parameters: 466000 } : {}) },
            wall: round(items.reduce((a, b) => a + b, 0) * batch),
          }));
        }
      }
    }
  }
  if (want.has("unclear")) {
    const kept = [1, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5];
    for (const filter of ["score", "none-baseline"]) {
      for (const seed of [1, 2]) {
        const gain = filter === "score" ? 0.12 : 0.03;
        out.push(makeRecord({
          experiment: "unclear",
          stages: { cluster: { variant: "two-pass", params: { linkage: "median-sampled", threshold: 0.5, filter } } },
          seed,
          metrics: { "bcubed.f1": round(0.85 + 0.01 * rng.float()) },
          curves: {
            "kept.bcubed.precision": {
              x: kept,
              y: kept.map((k) => round(Math.min(1, 0.84 + gain * (1 - k) * 2 + 0.005 * rng.float()))),
              x_label: "fraction of faces kept",
              y_label: "precision",
            },
          },
          wall: 0.5,
        }));
      }
    }
  }
  if (want.has("scale")) {
    for (const n of [10_000, 100_000, 1_000_000]) {
      const metrics: Record<string, number> = {};
      for (const [stage, b] of [["first_pass", 1.1], ["hac", 1.4], ["night", 0.5]] as const) {
        metrics[`stage.${stage}.seconds`] = round(1e-5 * n ** b * (0.9 + 0.2 * rng.float()));
        metrics[`stage.${stage}.peak_mb`] = round(n / 2000);
      }
      out.push(makeRecord({
        experiment: "scale",
        dataset: `lib-${n}`,
        n,
        stages: { cluster: { variant: "library-scale", params: { candidates: "ivf" } } },
        metrics,
      }));
    }
  }
  if (options.failures) {
    out.push(makeRecord({
      experiment: want.has("linkages") ? "linkages" : [...want][0]!,
      stages: { cluster: { variant: "hac", params: { linkage: "complete", threshold: 0.5, sample_pairs: 64 } } },
      status: "failed",
      error: "child process exited with code 1: RangeError: Invalid typed array length",
    }));
    out.push(makeRecord({
      experiment: want.has("linkages") ? "linkages" : [...want][0]!,
      stages: { cluster: { variant: "hac", params: { linkage: "median", threshold: 0.5, sample_pairs: 64 } } },
      seed: 9,
      status: "timeout",
      error: "run exceeded its time limit of 60 s",
    }));
  }
  if (want.has("training")) {
    const settings = ["baseline-softmax", "margin", "mining", "adamw-one-cycle", "augmentation", "masks"];
    settings.forEach((experiment, k) => {
      for (const seed of [1, 2, 3]) {
        const best = round(0.9 + 0.015 * k + 0.01 * rng.float());
        const worst = round(best - 0.08 + 0.01 * k);
        out.push(makeRecord({
          experiment,
          stages: { embed: { variant: "train-head", params: { loss: k === 0 ? "softmax" : "margin-mining" } } },
          seed,
          metrics: {
            "verify.auc.worst": worst,
            "verify.auc.best": best,
            "masked.verify.auc.worst": round(worst - 0.1 + 0.015 * k),
            "shipped.verify.auc.worst": 0.96,
          },
        }));
      }
    });
  }
  return out;
}

/**
 * Writes records as a results folder (`results.jsonl`), like `pb run` does.
 * @param dir the folder (created)
 * @param records the records
 * @param extraLines raw lines appended (e.g. a corrupt line)
 */
export async function writeResults(
  dir: string,
  records: readonly ResultRecord[],
  extraLines: string[] = [],
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const text = [...records.map((r) => JSON.stringify(r)), ...extraLines].join("\n") + "\n";
  await Deno.writeTextFile(join(dir, "results.jsonl"), text);
}
