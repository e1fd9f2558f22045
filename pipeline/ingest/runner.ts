/**
 * Running the models of an ingest: {@link LocalRunner} in this thread, or {@link WorkerPool} — inference
 * workers, each with its own sessions, so ONNX Runtime (whose `run()` blocks the thread it is called on)
 * works beside decoding and cropping, and several batches run at once.
 * @module
 */
import type { Detection } from "../detect/nms.ts";
import type { EmbedResult } from "../embed/embedder.ts";
import type { RgbImage } from "../image/decode.ts";
import { adapterRecord, type ModelSession, runModel } from "../onnx/backends.ts";
import type { EmbedRunner } from "./embed.ts";
import { loadModelSet, type ModelSet, type ModelSetSpec } from "./models.ts";
import type { ModelRole, ModelSetInfo, SessionCall, WorkerRequest, WorkerResponse } from "./protocol.ts";

/** Raw detections on a detection copy (its pixels). */
export interface CopyDetections {
  faces: Detection[];
  people: Detection[];
}

/** Busy time of the inference side, in seconds. */
export interface RunnerTimes {
  /** Detection calls (resize to the model's input, packing, `session.run`, decoding boxes). */
  detect: number;
  /** Embedding calls (packing, `session.run`, normalising). */
  embed: number;
  /** Of both, the time inside `session.run`. */
  ort: number;
}

/** Runs detectors and embedders. */
export interface InferenceRunner extends EmbedRunner {
  readonly info: ModelSetInfo;
  /** Parallel calls it can serve (workers, or 1). */
  readonly lanes: number;
  readonly times: RunnerTimes;
  detect(image: RgbImage): Promise<CopyDetections>;
  /** Runs `session.run` once on a constant input of these dims (the benchmark's bare loop). */
  bare(role: ModelRole, dims: number[]): Promise<void>;
  /** Every `session.run` made so far (when recording). */
  calls(): Promise<SessionCall[]>;
  close(): void;
}

/** Describes a loaded model set. */
export function modelSetInfo(m: ModelSet): ModelSetInfo {
  const prelu = m.face.model.prelu;
  return {
    backend: m.face.model.backend,
    ...adapterRecord(m.face.model),
    face: {
      name: m.face.spec.name,
      dim: m.face.dim,
      file: m.face.model.path,
      prelu: prelu ? (({ bytes: _b, ...rest }) => rest)(prelu) : null,
    },
    detector: m.detector ? { name: m.detector.name, file: m.detector.model.path } : null,
    persons: m.persons ? { name: m.persons.name, file: m.persons.model.path } : null,
    body: m.body ? { name: m.body.spec.name, dim: m.body.dim, file: m.body.model.path } : null,
  };
}

/**
 * Wraps each session's `run` to time it and (when `record`) log its input shape.
 * @param m loaded models
 * @param record keep a log of calls
 * @returns the log and a clock of time spent inside `run`
 */
export function instrument(m: ModelSet, record: boolean): { calls: SessionCall[]; ortMs: () => number } {
  const calls: SessionCall[] = [];
  let ortMs = 0;
  const wrap = (role: ModelRole, model: ModelSession | undefined) => {
    if (!model) return;
    const session = model.session;
    const run = session.run.bind(session) as (...a: unknown[]) => Promise<unknown>;
    (session as unknown as { run: (...a: unknown[]) => Promise<unknown> }).run = async (...a: unknown[]) => {
      const t = performance.now();
      const out = await run(...a);
      const ms = performance.now() - t;
      ortMs += ms;
      if (record) {
        const feeds = a[0] as Record<string, { dims: readonly number[] }>;
        calls.push({ role, dims: [...feeds[model.inputName]!.dims], ms });
      }
      return out;
    };
  };
  wrap("detector", m.detector?.model);
  wrap("persons", m.persons?.model);
  wrap("face", m.face.model);
  wrap("body", m.body?.model);
  return { calls, ortMs: () => ortMs };
}

/** Detection on a copy, in its own pixels. */
export async function detectRaw(m: ModelSet, image: RgbImage): Promise<CopyDetections> {
  const faces = await m.detector!.detect(image);
  const people = m.persons ? await m.persons.detect(image) : [];
  return { faces, people };
}

const bareInputs = new Map<string, Float32Array>();

/** One `session.run` on a constant pixel-like input of `dims` (cached per shape). */
export async function runBare(m: ModelSet, role: ModelRole, dims: number[]): Promise<void> {
  const model = role === "detector"
    ? m.detector!.model
    : role === "persons"
    ? m.persons!.model
    : role === "face"
    ? m.face.model
    : m.body!.model;
  const key = `${role}:${dims.join("x")}`;
  let data = bareInputs.get(key);
  if (!data) {
    data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 251) / 251 - 0.5;
    bareInputs.set(key, data);
  }
  await runModel(model, data, dims);
}

/** Runs the models in this thread, one call at a time. */
export class LocalRunner implements InferenceRunner {
  readonly lanes = 1;
  readonly times: RunnerTimes = { detect: 0, embed: 0, ort: 0 };
  readonly info: ModelSetInfo;
  #log: { calls: SessionCall[]; ortMs: () => number };

  private constructor(readonly models: ModelSet, record: boolean) {
    this.info = modelSetInfo(models);
    this.#log = instrument(models, record);
  }

  /**
   * Loads the models here.
   * @param spec the models
   * @param record log every session call (for the benchmark's bare loop)
   * @returns the runner
   */
  static async load(spec: ModelSetSpec, record = false): Promise<LocalRunner> {
    return new LocalRunner(await loadModelSet(spec), record);
  }

  async #timed<T>(kind: "detect" | "embed", f: () => Promise<T>): Promise<T> {
    const t = performance.now(), o = this.#log.ortMs();
    try {
      return await f();
    } finally {
      this.times[kind] += (performance.now() - t) / 1000;
      this.times.ort += (this.#log.ortMs() - o) / 1000;
    }
  }

  detect(image: RgbImage): Promise<CopyDetections> {
    return this.#timed("detect", () => detectRaw(this.models, image));
  }
  embedFaces(crops: RgbImage[]): Promise<EmbedResult> {
    return this.#timed("embed", () => this.models.face.embed(crops));
  }
  embedBodies(crops: RgbImage[]): Promise<EmbedResult> {
    return this.#timed("embed", () => this.models.body!.embed(crops));
  }
  bare(role: ModelRole, dims: number[]): Promise<void> {
    return runBare(this.models, role, dims);
  }
  calls(): Promise<SessionCall[]> {
    return Promise.resolve([...this.#log.calls]);
  }
  close(): void {}
}

type Pending = { resolve: (r: WorkerResponse) => void; reject: (e: Error) => void };
type Job = { request: WorkerRequest & { id: number }; transfer: Transferable[]; pending: Pending };

/** The buffers of these images that can be moved to a worker without copying. */
function transferable(images: readonly RgbImage[]): Transferable[] {
  const seen = new Set<ArrayBufferLike>();
  for (const im of images) {
    const b = im.data.buffer;
    // Moving a buffer that other views share (Node's pooled Buffers) would detach them: copy those.
    if (b instanceof ArrayBuffer && im.data.byteOffset === 0 && im.data.byteLength === b.byteLength) seen.add(b);
  }
  return [...seen] as ArrayBuffer[];
}

/**
 * A pool of inference workers, each with its own sessions of every model; calls queue and go to the
 * first idle worker, so detection of one photo and embedding of earlier batches run side by side.
 */
export class WorkerPool implements InferenceRunner {
  readonly times: RunnerTimes = { detect: 0, embed: 0, ort: 0 };
  #workers: Worker[];
  #idle: Worker[] = [];
  #queue: Job[] = [];
  #busy = new Map<Worker, Job>();
  #nextId = 1;
  #closed = false;

  private constructor(workers: Worker[], readonly info: ModelSetInfo) {
    this.#workers = workers;
    for (const w of workers) {
      w.onmessage = (e: MessageEvent<WorkerResponse>) => this.#answer(w, e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#fail(w, new Error(`inference worker failed: ${e.message}`));
      };
      this.#idle.push(w);
    }
  }

  /** Parallel calls the pool serves. */
  get lanes(): number {
    return this.#workers.length;
  }

  /**
   * Starts `n` workers and loads the models in each (in parallel).
   * @param spec the models (plain data, cloned to each worker)
   * @param n number of workers (≥ 1)
   * @param record log every session call (for the benchmark's bare loop)
   * @returns the pool, once every worker is ready
   * @throws {Error} with the worker's message when a model cannot load
   */
  static async start(spec: ModelSetSpec, n: number, record = false): Promise<WorkerPool> {
    const url = new URL("./worker.ts", import.meta.url).href;
    const workers = Array.from({ length: n }, () => new Worker(url, { type: "module" }));
    try {
      const infos = await Promise.all(workers.map((w) =>
        new Promise<ModelSetInfo>((resolve, reject) => {
          w.onmessage = (e: MessageEvent<WorkerResponse>) => {
            if (e.data.type === "ready") resolve(e.data.info);
            else if (e.data.type === "error") reject(new Error(e.data.message));
          };
          w.onerror = (e: ErrorEvent) => {
            e.preventDefault();
            reject(new Error(`inference worker failed to start: ${e.message}`));
          };
          w.postMessage({ type: "init", spec, record } satisfies WorkerRequest);
        })
      ));
      return new WorkerPool(workers, infos[0]!);
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
  }

  #call(request: WorkerRequest & { id: number }, transfer: Transferable[] = []): Promise<WorkerResponse> {
    if (this.#closed) return Promise.reject(new Error("the inference pool is closed"));
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, transfer, pending: { resolve, reject } });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const w = this.#idle.shift()!, job = this.#queue.shift()!;
      this.#busy.set(w, job);
      w.postMessage(job.request, job.transfer);
    }
  }

  #answer(w: Worker, r: WorkerResponse): void {
    const job = this.#busy.get(w);
    this.#busy.delete(w);
    this.#idle.push(w);
    if (job) {
      if (r.type === "error") job.pending.reject(new Error(r.message));
      else job.pending.resolve(r);
    }
    this.#dispatch();
  }

  #fail(w: Worker, e: Error): void {
    this.#busy.get(w)?.pending.reject(e);
    this.#busy.delete(w);
    for (const job of this.#queue.splice(0)) job.pending.reject(e);
    this.close();
  }

  async detect(image: RgbImage): Promise<CopyDetections> {
    const r = await this.#call({ type: "detect", id: this.#nextId++, image }, transferable([image]));
    if (r.type !== "detected") throw new Error(`unexpected worker answer ${r.type}`);
    this.times.detect += r.ms / 1000;
    this.times.ort += r.ortMs / 1000;
    return { faces: r.faces, people: r.people };
  }

  async #embed(role: "face" | "body", crops: RgbImage[]): Promise<EmbedResult> {
    const r = await this.#call({ type: "embed", id: this.#nextId++, role, crops }, transferable(crops));
    if (r.type !== "embedded") throw new Error(`unexpected worker answer ${r.type}`);
    this.times.embed += r.ms / 1000;
    this.times.ort += r.ortMs / 1000;
    return { vectors: r.vectors, norms: r.norms };
  }

  embedFaces(crops: RgbImage[]): Promise<EmbedResult> {
    return this.#embed("face", crops);
  }
  embedBodies(crops: RgbImage[]): Promise<EmbedResult> {
    return this.#embed("body", crops);
  }

  async bare(role: ModelRole, dims: number[]): Promise<void> {
    await this.#call({ type: "bare", id: this.#nextId++, role, dims });
  }

  /** Every worker's call log, concatenated (call only while the pool is idle). */
  async calls(): Promise<SessionCall[]> {
    const logs = await Promise.all(this.#workers.map((w) =>
      new Promise<SessionCall[]>((resolve) => {
        const prev = w.onmessage;
        w.onmessage = (e: MessageEvent<WorkerResponse>) => {
          w.onmessage = prev;
          resolve(e.data.type === "calls" ? e.data.calls : []);
        };
        w.postMessage({ type: "calls" } as WorkerRequest);
      })
    ));
    return logs.flat();
  }

  /** Stops the workers (pending calls fail). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
  }
}
