/**
 * Test fixtures for the harness: a valid result record to mutate, and a small spec.
 * @module
 */
import { RESULT_SCHEMA, RESULT_SCHEMA_VERSION, type ResultRecord } from "../../benchmarks/results/schema.ts";

/** A valid record; override fields per test. */
export function sampleRecord(over: Partial<ResultRecord> = {}): ResultRecord {
  return {
    schema: RESULT_SCHEMA,
    schema_version: RESULT_SCHEMA_VERSION,
    run_id: "r0",
    config_id: "c0",
    spec: { name: "t", hash: "h", path: "t.json" },
    experiment: "exp",
    variant: { label: "hac(linkage=average)", stages: { cluster: { variant: "hac", params: { linkage: "average" } } } },
    dataset: {
      name: "d",
      preset: "tiny",
      path: null,
      seed: 1,
      manifest_hash: "m",
      n: 10,
      identities: 2,
      attributes: ["gender"],
    },
    seed: 1,
    repeat: 0,
    repeats: 1,
    warmups: 0,
    status: "ok",
    error: null,
    metrics: { "bcubed.f1": 0.9 },
    metric_directions: { "bcubed.f1": "higher" },
    subgroups: [],
    counters: {},
    timings: { wall_s: 1, cpu_s: 1, peak_rss_mb: 50, samples: { merge_seconds: [0.1, 0.2] } },
    curves: {},
    backend: { requested: null, used: "typescript", detail: null },
    env: {
      git_sha: "abc",
      git_dirty: false,
      code_version: "abc",
      deno: "2.9.6",
      v8: "x",
      typescript: "y",
      onnxruntime: null,
      cpu_model: "cpu",
      cores: 2,
      memory_gb: 8,
      os: "linux",
      load_avg: [0.1, 0.2, 0.3],
      lockfile_hash: null,
      hostname: "h",
    },
    artifacts: {},
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: "2026-01-01T00:00:01.000Z",
    ...over,
  };
}
