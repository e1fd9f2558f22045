/**
 * Dataset format v1: the exchange format every PeopleBench command reads and writes.
 *
 * A folder with `dataset.json` (the manifest), `observations.csv` (one row per person observation),
 * `face.npy` and optionally `body.npy` (float32, little-endian, C order, L2-normalised rows).
 * In memory, observations are columnar typed arrays (never one JS object per row), so a million
 * observations stay small.
 *
 * @module
 */

/** Format tag in `dataset.json`. */
export const DATASET_FORMAT = "peoplebench-dataset";
/** Current format version. */
export const DATASET_VERSION = 1;

/** The fixed columns of `observations.csv`, in file order; attribute columns follow `identity`. */
export const BASE_COLUMNS_BEFORE_ATTRIBUTES = ["id", "asset", "moment", "time", "lat", "lon", "identity"] as const;
/** Fixed columns after the attribute columns. */
export const BASE_COLUMNS_AFTER_ATTRIBUTES = [
  "face_row",
  "body_row",
  "face_quality",
  "face_box",
  "body_box",
  "kind",
] as const;

/** Observation kinds used by the generator and the pipeline (free text is allowed too). */
export const KNOWN_KINDS = [
  "clear",
  "profile",
  "unclear",
  "nonface",
  "body_only",
  "face_only",
  "masked",
  "lookalike",
  "child",
] as const;

/** An embedding space description in the manifest. */
export interface EmbeddingSpec {
  /** Vector length. */
  dim: number;
  /** Model name or generator that produced the vectors. */
  model: string;
}

/** Counts stored in the manifest; readers check them against the files. */
export interface DatasetCounts {
  observations: number;
  assets: number;
  moments: number;
  identities: number;
  faces: number;
  bodies: number;
}

/** `dataset.json`. */
export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  version: typeof DATASET_VERSION;
  name: string;
  /** Generator and its parameters, or the image folder and models used. */
  source: Record<string, unknown>;
  seed: number | null;
  counts: DatasetCounts;
  face: EmbeddingSpec;
  body: EmbeddingSpec | null;
  /** Names of the subgroup attribute columns (e.g. `gender`, `age_group`). */
  attributes: string[];
  notes: string;
}

/** A categorical column: codes index into `values`; −1 means empty. */
export interface CategoricalColumn {
  codes: Int32Array;
  values: string[];
}

/**
 * Observations as columns. Row i is observation id i. Empty numeric cells are NaN, empty
 * categorical cells −1, missing embedding rows −1.
 */
export interface ObservationTable {
  n: number;
  /** Photo each observation comes from. */
  asset: CategoricalColumn;
  moment: Int32Array;
  /** Capture time, ms since the Unix epoch (NaN: unknown). */
  time: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
  /** Ground-truth identity (−1: unknown). */
  identity: CategoricalColumn;
  /** Subgroup attribute columns by name, in manifest order. */
  attributes: Map<string, CategoricalColumn>;
  faceRow: Int32Array;
  bodyRow: Int32Array;
  faceQuality: Float32Array;
  /** n × 4 (`x y w h` pixels), NaN when absent. */
  faceBox: Float32Array;
  bodyBox: Float32Array;
  kind: CategoricalColumn;
}

/** A dataset held in memory. */
export interface Dataset {
  /** Folder it was read from (empty for in-memory datasets). */
  dir: string;
  manifest: DatasetManifest;
  observations: ObservationTable;
  /** faces × face.dim, row-major. */
  face: Float32Array;
  /** bodies × body.dim, or null. */
  body: Float32Array | null;
}

/** One observation as a plain record, used when streaming rows to a writer. */
export interface ObservationRecord {
  asset: string;
  moment: number;
  /** ms since epoch, or NaN. */
  time: number;
  lat: number;
  lon: number;
  /** Identity name, or "" when unknown. */
  identity: string;
  /** Attribute values by name ("" when unknown). */
  attributes: Record<string, string>;
  faceRow: number;
  bodyRow: number;
  faceQuality: number;
  faceBox: readonly number[] | null;
  bodyBox: readonly number[] | null;
  kind: string;
}

/** Creates an empty categorical column builder. */
export function categoricalBuilder(n: number): { column: CategoricalColumn; code(value: string): number } {
  const column: CategoricalColumn = { codes: new Int32Array(n).fill(-1), values: [] };
  const index = new Map<string, number>();
  return {
    column,
    code(value: string): number {
      if (value === "") return -1;
      let c = index.get(value);
      if (c === undefined) {
        c = column.values.length;
        column.values.push(value);
        index.set(value, c);
      }
      return c;
    },
  };
}

/** Returns the string value of row i of a categorical column ("" for empty). */
export function categoricalValue(column: CategoricalColumn, i: number): string {
  const c = column.codes[i]!;
  return c < 0 ? "" : column.values[c]!;
}

/** Ground-truth labels as int32 (identity codes, −1 unknown), the form the metrics take. */
export function identityLabels(observations: ObservationTable): Int32Array {
  return observations.identity.codes;
}

/** An {@link ObservationTable} being filled, with a code builder for each categorical column. */
export interface ObservationTableBuilder {
  table: ObservationTable;
  asset: ReturnType<typeof categoricalBuilder>;
  identity: ReturnType<typeof categoricalBuilder>;
  kind: ReturnType<typeof categoricalBuilder>;
  /** One builder per attribute column, in the order given. */
  attributes: { name: string; builder: ReturnType<typeof categoricalBuilder> }[];
}

/**
 * Allocates the columns of `n` observations: empty categorical cells, NaN boxes, zeros elsewhere.
 * @param n number of observations
 * @param attributeNames subgroup attribute columns, in manifest order
 */
export function allocateObservationTable(n: number, attributeNames: readonly string[]): ObservationTableBuilder {
  const asset = categoricalBuilder(n), identity = categoricalBuilder(n), kind = categoricalBuilder(n);
  const attributes = attributeNames.map((name) => ({ name, builder: categoricalBuilder(n) }));
  const table: ObservationTable = {
    n,
    asset: asset.column,
    moment: new Int32Array(n),
    time: new Float64Array(n),
    lat: new Float64Array(n),
    lon: new Float64Array(n),
    identity: identity.column,
    attributes: new Map(attributes.map((a) => [a.name, a.builder.column])),
    faceRow: new Int32Array(n),
    bodyRow: new Int32Array(n),
    faceQuality: new Float32Array(n),
    faceBox: new Float32Array(n * 4).fill(NaN),
    bodyBox: new Float32Array(n * 4).fill(NaN),
    kind: kind.column,
  };
  return { table, asset, identity, kind, attributes };
}
