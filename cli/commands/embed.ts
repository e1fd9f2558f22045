/**
 * `pb embed`: photos or aligned face crops → a dataset (format v1), via the pipeline.
 * @module
 */
import { UsageError } from "../../base/errors.ts";
import { DEFAULT_BATCH, embedImages } from "../../pipeline/embed_images.ts";
import { CONFIDENCE_MODES } from "../../pipeline/confidence_model.ts";
import { LABEL_FACE_RULES } from "../../pipeline/ingest/types.ts";
import { BACKEND_CHOICES, type BackendRequest } from "../../pipeline/onnx/backends.ts";
import { ProgressBar } from "../../pipeline/progress.ts";
import { choice, type Command, flag, num, optNum, optStr, str } from "../command.ts";
import { dedent } from "../help.ts";

/** The `pb embed` command. */
export const embedCommand: Command = {
  name: "embed",
  summary: "detect, align and embed faces (and upper bodies) in photos → a dataset folder",
  usage: "--images DIR --out DIR [--layout photos|identity-folders] [--labels CSV] [--aligned] [options]",
  description: dedent`
    Decodes every image under --images (the real format is sniffed; EXIF orientation applied), detects faces
    (YuNet or UltraFace) and people (YOLOX-nano), associates them, aligns faces to the ArcFace template and embeds
    them (face model + OSNet on upper bodies), scores unclear faces, groups photos into moments, and writes
    dataset.json, observations.csv, face.npy [, body.npy] and skipped.csv (file,reason) to --out.
    Identity: --layout identity-folders takes it from the top-level folder; --labels (file,identity) labels photos
    of one person — the label goes to the photo's largest face (ties: the most central; --label-face central: the
    face nearest the centre, as in LFW), other faces get none. --flip-tta averages each face with its mirror image.
    --attributes CSV (identity,<columns>) adds subgroup attribute columns, e.g. celeb24's identities.csv → gender.
    face_quality = 1 − unclear score (higher = clearer); kind = unclear when the unclear score ≥ --unclear-threshold.
    --confidence-model (from pb train confidence): the classifier's 1 − p(face) joins the cue score (mean) or replaces it.
    Exit 0 when some files were skipped (they are listed); 1 when a model or option is unusable.
  `,
  options: {
    images: { type: "string", value: "DIR", help: "folder of images, searched recursively" },
    out: { type: "string", value: "DIR", help: "output dataset folder" },
    layout: { type: "string", value: "KIND", help: "photos | identity-folders [photos]" },
    labels: { type: "string", value: "CSV", help: "file,identity labels for photos of one person" },
    aligned: { type: "boolean", help: "inputs are ArcFace-aligned 112×112 face crops (no detection, no bodies)" },
    attributes: { type: "string", value: "CSV", help: "identity → attribute columns (e.g. gender)" },
    "attribute-columns": {
      type: "string",
      value: "LIST",
      help: "comma-separated columns to keep [all but names, ids, counts]",
    },
    models: { type: "string", value: "DIR", help: "ONNX models folder [../shared/models when it exists]" },
    "face-detector": { type: "string", value: "NAME", help: "yunet | ultraface [yunet]" },
    "face-model": { type: "string", value: "NAME", help: "mobilefacenet | arcface-r-512 | PATH.onnx [mobilefacenet]" },
    "body-model": { type: "string", value: "NAME", help: "osnet | none [osnet; none with --aligned]" },
    backend: { type: "string", value: "NAME", help: `${BACKEND_CHOICES.join(" | ")} (see pb backends) [auto]` },
    "neural-engine": { type: "boolean", help: "coreml: only use devices with the Apple Neural Engine" },
    workers: {
      type: "string",
      value: "N",
      help: "inference workers, each with its own model sessions; 0 runs them in the main thread [all cores]",
    },
    threads: { type: "string", value: "N", help: "intra-op threads per session [1; all cores with --workers 0]" },
    batch: {
      type: "string",
      value: "N",
      help: `largest embedding batch (crops of consecutive photos share batches) [${DEFAULT_BATCH}]`,
    },
    prefetch: { type: "string", value: "N", help: "photos decoded and detected ahead [2 × workers + 2]" },
    "no-prelu-rewrite": { type: "boolean", help: "keep PReLU nodes as they are (the rewrite is on by default)" },
    "detect-size": { type: "string", value: "PX", help: "longer side for face detection [640]" },
    "face-threshold": { type: "string", value: "P", help: "face detector score threshold [0.6 yunet, 0.7 ultraface]" },
    "exact-decode": {
      type: "boolean",
      help: "decode photos whole for detection and crops (bit-identical to earlier versions; slower on large photos)",
    },
    "max-side": { type: "string", value: "PX", help: "decode larger images downscaled to this longer side [4096]" },
    "moment-gap": { type: "string", value: "HOURS", help: "largest time gap inside a moment [3]" },
    "moment-distance": { type: "string", value: "KM", help: "largest GPS step inside a moment [1]" },
    "file-time": { type: "boolean", help: "use file modification time when EXIF has none (counted in dataset.json)" },
    "keep-body-only": { type: "boolean", help: "keep people without a detected face as body_only observations" },
    "unclear-threshold": { type: "string", value: "U", help: "unclear score from which kind = unclear [0.5]" },
    "label-face": {
      type: "string",
      value: "RULE",
      help: `${LABEL_FACE_RULES.join(" | ")}: which face of a labelled photo gets the label [largest]`,
    },
    "flip-tta": { type: "boolean", help: "embed each face crop and its mirror image, averaged (flip test-time aug.)" },
    "confidence-model": {
      type: "string",
      value: "FILE",
      help: "confidence-branch classifier (pb train confidence) scoring each face [none]",
    },
    "confidence-mode": {
      type: "string",
      value: "M",
      help: `${CONFIDENCE_MODES.join(" | ")}: with the cue score [join]`,
    },
    name: { type: "string", value: "NAME", help: "dataset name [the images folder's name]" },
    progress: { type: "boolean", help: "show a progress bar even when stderr is not a terminal" },
    quiet: { type: "boolean", help: "no progress bar and no summary" },
  },
  async run(args) {
    const images = str(args, "images"), out = str(args, "out");
    const layout = choice(args, "layout", ["photos", "identity-folders"] as const, "photos");
    const aligned = flag(args, "aligned");
    const bodyModel = choice(args, "body-model", ["osnet", "none"] as const, aligned ? "none" : "osnet");
    if (aligned && bodyModel !== "none") {
      throw new UsageError("--aligned face crops have no bodies: use --body-model none");
    }
    const labels = optStr(args, "labels");
    if (labels && layout === "identity-folders") {
      throw new UsageError("--labels and --layout identity-folders exclude each other");
    }
    const columns = optStr(args, "attribute-columns");
    const quiet = flag(args, "quiet");
    const showBar = !quiet && (flag(args, "progress") || Deno.stderr.isTerminal());
    let bar: ProgressBar | null = null;
    const threads = optNum(args, "threads", { min: 1, integer: true });
    const workers = optNum(args, "workers", { min: 0, max: 256, integer: true });
    const prefetch = optNum(args, "prefetch", { min: 1, max: 1024, integer: true });
    const faceThreshold = optNum(args, "face-threshold", { min: 0, max: 1 });
    const r = await embedImages({
      images,
      out,
      layout,
      aligned,
      bodyModel,
      ...(labels ? { labels } : {}),
      ...(optStr(args, "attributes") ? { attributes: optStr(args, "attributes")! } : {}),
      ...(columns ? { attributeColumns: columns.split(",").map((c) => c.trim()).filter((c) => c !== "") } : {}),
      ...(optStr(args, "models") ? { models: optStr(args, "models")! } : {}),
      faceDetector: choice(args, "face-detector", ["yunet", "ultraface"] as const, "yunet"),
      faceModel: str(args, "face-model", "mobilefacenet"),
      backend: choice(args, "backend", BACKEND_CHOICES, "auto") as BackendRequest,
      ...(threads !== undefined ? { threads } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(prefetch !== undefined ? { prefetch } : {}),
      batch: num(args, "batch", DEFAULT_BATCH, { min: 1, max: 4096, integer: true }),
      rewritePrelu: !flag(args, "no-prelu-rewrite"),
      neuralEngine: flag(args, "neural-engine"),
      detectSize: num(args, "detect-size", 640, { min: 64, max: 4096, integer: true }),
      ...(faceThreshold !== undefined ? { faceThreshold } : {}),
      maxSide: num(args, "max-side", 4096, { min: 64, integer: true }),
      exactDecode: flag(args, "exact-decode"),
      moments: {
        maxGapMs: num(args, "moment-gap", 3, { min: 0 }) * 3600 * 1000,
        maxDistanceKm: num(args, "moment-distance", 1, { min: 0 }),
      },
      fileTime: flag(args, "file-time"),
      keepBodyOnly: flag(args, "keep-body-only"),
      unclearThreshold: num(args, "unclear-threshold", 0.5, { min: 0, max: 1 }),
      ...(optStr(args, "confidence-model") ? { confidenceModel: optStr(args, "confidence-model")! } : {}),
      confidenceMode: choice(args, "confidence-mode", CONFIDENCE_MODES, "join"),
      labelFace: choice(args, "label-face", LABEL_FACE_RULES, "largest"),
      flipTta: flag(args, "flip-tta"),
      ...(optStr(args, "name") ? { name: optStr(args, "name")! } : {}),
      onProgress: (done, total) => {
        if (!showBar) return;
        bar ??= new ProgressBar(total, "photos");
        bar.update(done);
        if (done === total) bar.finish();
      },
    });
    if (!quiet) {
      const m = r.manifest.counts;
      console.log(
        `pb embed: ${r.files} files → ${r.photos} photos, ${r.faces} faces, ${r.bodies} bodies, ${m.observations} ` +
          `observations, ${m.identities} identities, ${m.moments} moments; ${r.skipped.length} skipped ` +
          `(${out}/skipped.csv); backend ${r.backend}; ${r.seconds.toFixed(1)} s (${
            (r.files / r.seconds).toFixed(1)
          } photos/s, ${(r.faces / r.seconds).toFixed(1)} faces/s)`,
      );
      const reasons = new Map<string, number>();
      for (const s of r.skipped) {
        const key = s.reason.replace(/\s*\(.*\)$/, "");
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
      for (const [reason, n] of reasons) console.log(`  skipped ${n}: ${reason}`);
      for (const c of r.attributesLeftOut) {
        console.log(`  attribute column ${c.column} left out: ${c.reason} (name it in --attribute-columns to keep it)`);
      }
    }
    return 0;
  },
};
