/**
 * An inference worker of the ingest pipeline: loads the models once, then answers detect / embed /
 * bare calls one at a time (see `protocol.ts`).
 * @module
 */
/// <reference lib="deno.worker" />
import { loadModelSet, type ModelSet } from "./models.ts";
import type { WorkerRequest, WorkerResponse } from "./protocol.ts";
import { detectRaw, instrument, modelSetInfo, runBare } from "./runner.ts";

let models: ModelSet | null = null;
let log: ReturnType<typeof instrument> | null = null;

function reply(r: WorkerResponse, transfer: Transferable[] = []): void {
  self.postMessage(r, transfer);
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  const id = "id" in req ? req.id : null;
  try {
    if (req.type === "init") {
      models = await loadModelSet(req.spec);
      log = instrument(models, req.record);
      reply({ type: "ready", info: modelSetInfo(models) });
      return;
    }
    if (req.type === "calls") {
      reply({ type: "calls", calls: log?.calls ?? [] });
      return;
    }
    if (!models || !log) throw new Error("worker used before init");
    const t = performance.now(), o = log.ortMs();
    if (req.type === "detect") {
      const d = await detectRaw(models, req.image);
      reply({ type: "detected", id: req.id, ...d, ms: performance.now() - t, ortMs: log.ortMs() - o });
    } else if (req.type === "embed") {
      const embedder = req.role === "face" ? models.face : models.body!;
      const r = await embedder.embed(req.crops);
      reply(
        {
          type: "embedded",
          id: req.id,
          vectors: r.vectors,
          norms: r.norms,
          ms: performance.now() - t,
          ortMs: log.ortMs() - o,
        },
        [r.vectors.buffer, r.norms.buffer] as ArrayBuffer[],
      );
    } else {
      await runBare(models, req.role, req.dims);
      reply({ type: "ran", id: req.id, ms: performance.now() - t });
    }
  } catch (err) {
    reply({ type: "error", id, message: ((err as Error).message ?? String(err)).split("\n")[0]! });
  }
};
