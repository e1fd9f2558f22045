/**
 * Reading and writing dataset folders (format v1), with validation that names the file and the problem.
 * @module
 */
import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import { stringify } from "csv-stringify/sync";
import { DataFileError } from "../base/errors.ts";
import { NpyRowWriter, readNpy } from "./npy.ts";
import { writeFileAtomic } from "../base/atomic.ts";
import {
  allocateObservationTable,
  BASE_COLUMNS_AFTER_ATTRIBUTES,
  BASE_COLUMNS_BEFORE_ATTRIBUTES,
  categoricalValue,
  type Dataset,
  DATASET_FORMAT,
  DATASET_VERSION,
  type DatasetManifest,
  type EmbeddingSpec,
  type ObservationRecord,
  type ObservationTable,
} from "./format.ts";

/** Tolerance on |‖row‖ − 1| for embedding rows stored as float32. */
export const NORM_TOLERANCE = 1e-3;

/** Column names of `observations.csv` for the given attributes. */
export function observationColumns(attributes: readonly string[]): string[] {
  return [...BASE_COLUMNS_BEFORE_ATTRIBUTES, ...attributes, ...BASE_COLUMNS_AFTER_ATTRIBUTES];
}

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** Reads and validates `dataset.json`. */
export async function readManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, "dataset.json");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataFileError(path, "not found (is this a PeopleBench dataset folder?)");
    }
    throw new DataFileError(path, `cannot read: ${(e as Error).message}`);
  }
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new DataFileError(path, `invalid JSON: ${(e as Error).message}`);
  }
  if (typeof m !== "object" || m === null) throw new DataFileError(path, "must hold a JSON object");
  if (m.format !== DATASET_FORMAT) {
    throw new DataFileError(path, `"format" must be "${DATASET_FORMAT}", got ${JSON.stringify(m.format)}`);
  }
  if (m.version !== DATASET_VERSION) {
    throw new DataFileError(
      path,
      `unsupported "version" ${JSON.stringify(m.version)} (this reader knows ${DATASET_VERSION})`,
    );
  }
  const spec = (v: unknown, key: string, nullable: boolean): EmbeddingSpec | null => {
    if (v === null && nullable) return null;
    const o = v as Record<string, unknown> | null;
    if (
      typeof o !== "object" || o === null || !Number.isInteger(o.dim) || (o.dim as number) < 1 ||
      typeof o.model !== "string"
    ) {
      throw new DataFileError(
        path,
        `"${key}" must be {"dim": positive integer, "model": string}${nullable ? " or null" : ""}`,
      );
    }
    return { dim: o.dim as number, model: o.model };
  };
  const face = spec(m.face, "face", false)!;
  const body = spec(m.body ?? null, "body", true);
  const attributes = m.attributes ?? [];
  if (!Array.isArray(attributes) || attributes.some((a) => typeof a !== "string" || a === "")) {
    throw new DataFileError(path, `"attributes" must be a list of column names`);
  }
  const counts = (m.counts ?? {}) as Record<string, unknown>;
  for (const k of ["observations", "faces"]) {
    if (!Number.isInteger(counts[k]) || (counts[k] as number) < 0) {
      throw new DataFileError(path, `"counts.${k}" must be a non-negative integer`);
    }
  }
  return {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    name: typeof m.name === "string" ? m.name : "",
    source: (m.source ?? {}) as Record<string, unknown>,
    seed: typeof m.seed === "number" ? m.seed : null,
    counts: {
      observations: counts.observations as number,
      assets: (counts.assets as number) ?? 0,
      moments: (counts.moments as number) ?? 0,
      identities: (counts.identities as number) ?? 0,
      faces: counts.faces as number,
      bodies: (counts.bodies as number) ?? 0,
    },
    face,
    body,
    attributes: attributes as string[],
    notes: typeof m.notes === "string" ? m.notes : "",
  };
}

/** Reads an embedding matrix and checks dtype, shape, finiteness and unit norm. */
export async function readEmbeddings(path: string, dim: number, rows?: number): Promise<Float32Array> {
  const a = await readNpy(path);
  if (a.dtype !== "float32") throw new DataFileError(path, `dtype is ${a.dtype}, expected float32`);
  if (a.shape.length !== 2) throw new DataFileError(path, `expected a 2-D array, got shape (${a.shape.join(", ")})`);
  const [n, d] = a.shape as [number, number];
  if (d !== dim) throw new DataFileError(path, `rows have dimension ${d}, dataset.json says ${dim}`);
  if (rows !== undefined && n !== rows) throw new DataFileError(path, `has ${n} rows, dataset.json counts ${rows}`);
  const data = a.data as Float32Array;
  checkUnitRows(data, d, path);
  return data;
}

/** Throws a {@link DataFileError} at the first NaN/Inf or non-unit row. */
export function checkUnitRows(data: Float32Array, dim: number, file: string): void {
  const n = data.length / dim;
  for (let r = 0; r < n; r++) {
    let s = 0;
    const o = r * dim;
    for (let j = 0; j < dim; j++) {
      const v = data[o + j]!;
      if (!Number.isFinite(v)) throw new DataFileError(file, `row ${r} contains ${Number.isNaN(v) ? "NaN" : "Inf"}`);
      s += v * v;
    }
    if (Math.abs(Math.sqrt(s) - 1) > NORM_TOLERANCE) {
      throw new DataFileError(file, `row ${r} is not L2-normalised (norm ${Math.sqrt(s).toFixed(4)})`);
    }
  }
}

function parseNumberCell(text: string, file: string, line: number, column: string): number {
  if (text === "") return NaN;
  const v = Number(text);
  if (!Number.isFinite(v)) {
    throw new DataFileError(file, `line ${line}: column "${column}" is not a number: ${JSON.stringify(text)}`);
  }
  return v;
}

function parseIntCell(text: string, file: string, line: number, column: string, empty: number): number {
  if (text === "") return empty;
  const v = Number(text);
  if (!Number.isInteger(v)) {
    throw new DataFileError(file, `line ${line}: column "${column}" is not an integer: ${JSON.stringify(text)}`);
  }
  return v;
}

function parseTimeCell(text: string, file: string, line: number): number {
  if (text === "") return NaN;
  const t = Date.parse(text);
  if (Number.isNaN(t)) {
    throw new DataFileError(file, `line ${line}: column "time" is not an ISO 8601 date: ${JSON.stringify(text)}`);
  }
  return t;
}

function parseBoxCell(text: string, out: Float32Array, row: number, file: string, line: number, column: string): void {
  if (text === "") {
    out.fill(NaN, row * 4, row * 4 + 4);
    return;
  }
  const parts = text.trim().split(/\s+/).map(Number);
  if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v))) {
    throw new DataFileError(file, `line ${line}: column "${column}" must be "x y w h", got ${JSON.stringify(text)}`);
  }
  out.set(parts, row * 4);
}

/** Reads `observations.csv` into columns, validating ids, columns and cell types. */
export async function readObservations(
  path: string,
  manifest: DatasetManifest,
): Promise<ObservationTable> {
  const n = manifest.counts.observations;
  const expected = observationColumns(manifest.attributes);
  const { table: t, asset, identity, kind, attributes: attrs } = allocateObservationTable(n, manifest.attributes);
  const seen = new Uint8Array(n);
  let idx: Record<string, number> = {};
  let line = 0;
  let rowsRead = 0;
  let stream;
  try {
    await Deno.stat(path);
    stream = createReadStream(path);
  } catch (e) {
    throw new DataFileError(path, `cannot read: ${(e as Error).message}`);
  }
  const parser = stream.pipe(parse({ relax_column_count: false, skip_empty_lines: true }));
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      line++;
      if (line === 1) {
        const missing = expected.filter((c) => !rec.includes(c));
        if (missing.length > 0) throw new DataFileError(path, `missing column(s): ${missing.join(", ")}`);
        idx = Object.fromEntries(rec.map((c, i) => [c, i]));
        continue;
      }
      const cell = (c: string) => rec[idx[c]!] ?? "";
      const id = parseIntCell(cell("id"), path, line, "id", -1);
      if (id < 0 || id >= n) throw new DataFileError(path, `line ${line}: id ${cell("id")} is outside 0..${n - 1}`);
      if (seen[id]) throw new DataFileError(path, `line ${line}: duplicate id ${id}`);
      seen[id] = 1;
      rowsRead++;
      asset.column.codes[id] = asset.code(cell("asset"));
      t.moment[id] = parseIntCell(cell("moment"), path, line, "moment", -1);
      t.time[id] = parseTimeCell(cell("time"), path, line);
      t.lat[id] = parseNumberCell(cell("lat"), path, line, "lat");
      t.lon[id] = parseNumberCell(cell("lon"), path, line, "lon");
      identity.column.codes[id] = identity.code(cell("identity"));
      for (const a of attrs) a.builder.column.codes[id] = a.builder.code(cell(a.name));
      const fr = parseIntCell(cell("face_row"), path, line, "face_row", -1);
      const br = parseIntCell(cell("body_row"), path, line, "body_row", -1);
      if (fr < -1 || fr >= manifest.counts.faces) {
        throw new DataFileError(
          path,
          `line ${line}: face_row ${fr} is out of range (face.npy has ${manifest.counts.faces} rows)`,
        );
      }
      const bodies = manifest.body ? manifest.counts.bodies : 0;
      if (br < -1 || br >= bodies) {
        throw new DataFileError(path, `line ${line}: body_row ${br} is out of range (body.npy has ${bodies} rows)`);
      }
      t.faceRow[id] = fr;
      t.bodyRow[id] = br;
      const q = parseNumberCell(cell("face_quality"), path, line, "face_quality");
      if (q < 0 || q > 1) throw new DataFileError(path, `line ${line}: face_quality ${q} is outside 0..1`);
      t.faceQuality[id] = q;
      parseBoxCell(cell("face_box"), t.faceBox, id, path, line, "face_box");
      parseBoxCell(cell("body_box"), t.bodyBox, id, path, line, "body_box");
      kind.column.codes[id] = kind.code(cell("kind"));
    }
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    throw new DataFileError(path, `malformed CSV near line ${line + 1}: ${(e as Error).message}`);
  }
  if (line === 0) throw new DataFileError(path, "empty file (no header)");
  if (rowsRead !== n) throw new DataFileError(path, `has ${rowsRead} observations, dataset.json counts ${n}`);
  return t;
}

/** Reads and validates a whole dataset folder. @throws {DataFileError} naming the file and problem. */
export async function readDataset(dir: string): Promise<Dataset> {
  const manifest = await readManifest(dir);
  const face = await readEmbeddings(join(dir, "face.npy"), manifest.face.dim, manifest.counts.faces);
  let body: Float32Array | null = null;
  if (manifest.body) {
    body = await readEmbeddings(join(dir, "body.npy"), manifest.body.dim, manifest.counts.bodies);
  }
  const observations = await readObservations(join(dir, "observations.csv"), manifest);
  return { dir, manifest, observations, face, body };
}

function formatNumber(v: number): string {
  return Number.isNaN(v) ? "" : String(v);
}

function formatBox(box: readonly number[] | ArrayLike<number> | null): string {
  if (box === null || Number.isNaN(box[0]!)) return "";
  return `${+box[0]!.toFixed(2)} ${+box[1]!.toFixed(2)} ${+box[2]!.toFixed(2)} ${+box[3]!.toFixed(2)}`;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV record as csv-stringify writes it (quotes only where needed), ~3× faster per row. */
function csvLine(cells: readonly string[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (i > 0) line += ",";
    line += NEEDS_QUOTES.test(c) ? `"${c.replaceAll('"', '""')}"` : c;
  }
  return line + "\n";
}

/** Options for {@link DatasetWriter.open}. */
export interface DatasetWriterOptions {
  name: string;
  source: Record<string, unknown>;
  seed: number | null;
  face: EmbeddingSpec;
  body: EmbeddingSpec | null;
  attributes: string[];
  notes?: string;
}

/**
 * Streams a dataset to disk: observations, face rows and body rows are appended as they are produced,
 * so the writer holds none of them. `dataset.json` is written last, on {@link DatasetWriter.close},
 * so a folder without it is an unfinished write.
 */
export class DatasetWriter {
  #csv: Deno.FsFile;
  #csvTmp: string;
  #pending: string[] = [];
  #pendingChars = 0;
  #observations = 0;
  #assets = new Set<string>();
  #moments = new Set<number>();
  #identities = new Set<string>();
  #encoder = new TextEncoder();

  private constructor(
    readonly dir: string,
    readonly options: DatasetWriterOptions,
    readonly faces: NpyRowWriter,
    readonly bodies: NpyRowWriter | null,
    csv: Deno.FsFile,
    csvTmp: string,
  ) {
    this.#csv = csv;
    this.#csvTmp = csvTmp;
  }

  /** Creates the folder (removing a stale manifest) and opens the files. */
  static async open(dir: string, options: DatasetWriterOptions): Promise<DatasetWriter> {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.remove(join(dir, "dataset.json")).catch(() => {});
    const faces = await NpyRowWriter.open(join(dir, "face.npy"), "float32", options.face.dim);
    const bodies = options.body ? await NpyRowWriter.open(join(dir, "body.npy"), "float32", options.body.dim) : null;
    if (!options.body) await Deno.remove(join(dir, "body.npy")).catch(() => {});
    const csvTmp = join(dir, `observations.csv.tmp-${Deno.pid}`);
    const csv = await Deno.open(csvTmp, { write: true, create: true, truncate: true });
    const w = new DatasetWriter(dir, options, faces, bodies, csv, csvTmp);
    w.#pending.push(stringify([observationColumns(options.attributes)]));
    return w;
  }

  /** Number of observations written so far. */
  get observations(): number {
    return this.#observations;
  }

  /** Appends a face embedding (must be unit length) and returns its row. */
  async addFace(vector: Float32Array): Promise<number> {
    const row = this.faces.rows;
    await this.faces.write(vector);
    return row;
  }

  /** Appends a body embedding and returns its row. @throws {Error} when the dataset has no body space. */
  async addBody(vector: Float32Array): Promise<number> {
    if (!this.bodies) throw new Error("this dataset was opened without a body embedding space");
    const row = this.bodies.rows;
    await this.bodies.write(vector);
    return row;
  }

  /** Appends one observation; its id is the running count. Returns the id. */
  async addObservation(o: ObservationRecord): Promise<number> {
    const id = this.#observations++;
    this.#assets.add(o.asset);
    if (o.moment >= 0) this.#moments.add(o.moment);
    if (o.identity !== "") this.#identities.add(o.identity);
    const row: string[] = [
      String(id),
      o.asset,
      String(o.moment),
      Number.isNaN(o.time) ? "" : new Date(o.time).toISOString(),
      formatNumber(o.lat),
      formatNumber(o.lon),
      o.identity,
      ...this.options.attributes.map((a) => o.attributes[a] ?? ""),
      String(o.faceRow),
      String(o.bodyRow),
      Number.isNaN(o.faceQuality) ? "" : String(+o.faceQuality.toFixed(4)),
      formatBox(o.faceBox),
      formatBox(o.bodyBox),
      o.kind,
    ];
    const line = csvLine(row);
    this.#pending.push(line);
    this.#pendingChars += line.length;
    if (this.#pendingChars > 1 << 20) await this.#flush();
    return id;
  }

  async #flush(): Promise<void> {
    const bytes = this.#encoder.encode(this.#pending.join(""));
    let off = 0;
    while (off < bytes.length) off += await this.#csv.write(bytes.subarray(off));
    this.#pending = [];
    this.#pendingChars = 0;
  }

  /** Finishes the files and writes `dataset.json`; returns the manifest. */
  async close(): Promise<DatasetManifest> {
    await this.#flush();
    this.#csv.close();
    await Deno.rename(this.#csvTmp, join(this.dir, "observations.csv"));
    await this.faces.close();
    if (this.bodies) await this.bodies.close();
    const o = this.options;
    const manifest: DatasetManifest = {
      format: DATASET_FORMAT,
      version: DATASET_VERSION,
      name: o.name,
      source: o.source,
      seed: o.seed,
      counts: {
        observations: this.#observations,
        assets: this.#assets.size,
        moments: this.#moments.size,
        identities: this.#identities.size,
        faces: this.faces.rows,
        bodies: this.bodies?.rows ?? 0,
      },
      face: o.face,
      body: o.body,
      attributes: o.attributes,
      notes: o.notes ?? "",
    };
    await writeFileAtomic(join(this.dir, "dataset.json"), JSON.stringify(manifest, null, 2) + "\n");
    return manifest;
  }
}

/** Writes an in-memory dataset to a folder (via {@link DatasetWriter}). */
export async function writeDataset(dir: string, dataset: Omit<Dataset, "dir">): Promise<DatasetManifest> {
  const m = dataset.manifest;
  const w = await DatasetWriter.open(dir, {
    name: m.name,
    source: m.source,
    seed: m.seed,
    face: m.face,
    body: m.body,
    attributes: m.attributes,
    notes: m.notes,
  });
  await w.faces.write(dataset.face);
  if (dataset.body && w.bodies) await w.bodies.write(dataset.body);
  const t = dataset.observations;
  for (let i = 0; i < t.n; i++) {
    const attributes: Record<string, string> = {};
    for (const [name, col] of t.attributes) attributes[name] = categoricalValue(col, i);
    await w.addObservation({
      asset: categoricalValue(t.asset, i),
      moment: t.moment[i]!,
      time: t.time[i]!,
      lat: t.lat[i]!,
      lon: t.lon[i]!,
      identity: categoricalValue(t.identity, i),
      attributes,
      faceRow: t.faceRow[i]!,
      bodyRow: t.bodyRow[i]!,
      faceQuality: t.faceQuality[i]!,
      faceBox: Number.isNaN(t.faceBox[i * 4]!) ? null : Array.from(t.faceBox.subarray(i * 4, i * 4 + 4)),
      bodyBox: Number.isNaN(t.bodyBox[i * 4]!) ? null : Array.from(t.bodyBox.subarray(i * 4, i * 4 + 4)),
      kind: categoricalValue(t.kind, i),
    });
  }
  return await w.close();
}
