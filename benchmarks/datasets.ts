/**
 * Resolving the datasets of a spec: generator presets are generated once into a cache folder keyed by
 * preset, seed, overrides and generator version (they are deterministic); dataset folders are checked and,
 * when `optional`, skipped with a reason if absent.
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { sha256Hex } from "./_hash.ts";
import { readManifest } from "../datasets/io.ts";
import { UsageError } from "../base/errors.ts";
import type { DatasetManifest } from "../datasets/format.ts";
import { REPO_ROOT } from "./runner/env.ts";

/** Default cache folder (outside git): `$PB_CACHE_DIR` or `<repo>/.cache`. */
export function defaultCacheDir(): string {
  return Deno.env.get("PB_CACHE_DIR") ?? join(REPO_ROOT, ".cache");
}

/** Where `${SHARED}` points: `$PEOPLEBENCH_SHARED` or `<repo>/../shared`. */
export function sharedDir(): string {
  return Deno.env.get("PEOPLEBENCH_SHARED") ?? resolve(REPO_ROOT, "..", "shared");
}

/**
 * Expands `${NAME}` in a path: `SHARED` (the shared data folder), `REPO` (repository root), `CACHE`
 * (harness cache), `DATA_CACHE` (`$PB_DATA_CACHE` or `<repo>/../data-cache`, where `pb embed` outputs of the
 * shared photos are kept) and environment variables.
 * @throws {UsageError} for an unset variable
 */
export function expandPath(path: string, cacheDir = defaultCacheDir()): string {
  return path.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    if (name === "SHARED") return sharedDir();
    if (name === "REPO") return REPO_ROOT.replace(/\/$/, "");
    if (name === "CACHE") return cacheDir;
    if (name === "DATA_CACHE") return Deno.env.get("PB_DATA_CACHE") ?? resolve(REPO_ROOT, "..", "data-cache");
    const v = Deno.env.get(name);
    if (v === undefined) throw new UsageError(`dataset path ${path}: environment variable ${name} is not set`);
    return v;
  });
}

/** A dataset ready to run on, or a reason it is skipped. */
export type ResolvedDataset =
  | { status: "ok"; dir: string; manifest: DatasetManifest; manifestHash: string }
  | { status: "skipped"; reason: string };

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A hash identifying a dataset folder's content cheaply: `dataset.json` (name, source, seed, counts) plus the
 * byte sizes of its data files.
 */
export async function manifestHash(dir: string): Promise<string> {
  const parts: string[] = [await Deno.readTextFile(join(dir, "dataset.json"))];
  for (const f of ["observations.csv", "face.npy", "body.npy"]) {
    try {
      parts.push(`${f}:${(await Deno.stat(join(dir, f))).size}`);
    } catch {
      parts.push(`${f}:-`);
    }
  }
  return await sha256Hex(parts.join("\n"));
}

/**
 * Returns the folder of a generated preset, generating it into the cache on first use (written to a
 * temporary folder and renamed, so concurrent sweeps and crashes never leave a half dataset).
 * @param preset preset name
 * @param seed generator seed
 * @param overrides extra generator knobs
 * @param cacheDir cache root
 * @param log progress lines
 */
export async function generatedDataset(
  preset: string,
  seed: number,
  overrides: Record<string, unknown>,
  cacheDir: string,
  log: (line: string) => void = () => {},
): Promise<string> {
  const synth = await import("../datasets/synthetic/mod.ts");
  if (!(synth.PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new UsageError(`unknown preset "${preset}" (presets: ${synth.PRESET_NAMES.join(", ")})`);
  }
  const config = synth.resolveConfig(
    synth.PRESETS[preset as keyof typeof synth.PRESETS],
    { seed } as Record<string, unknown>,
    overrides as Record<string, unknown>,
  );
  // The committed generator tree is in the key too: a code change without a version bump must not reuse stale data.
  const code = await gitTree("datasets/synthetic");
  const key = (await sha256Hex(JSON.stringify({ preset, seed, overrides, v: synth.GENERATOR_VERSION, code }))).slice(
    0,
    10,
  );
  const dir = join(cacheDir, "datasets", `${preset}-s${seed}-g${synth.GENERATOR_VERSION}-${key}`);
  if (await exists(join(dir, "dataset.json"))) return dir;
  await Deno.mkdir(join(cacheDir, "datasets"), { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: join(cacheDir, "datasets"), prefix: ".tmp-" });
  log(`generating ${preset} (seed ${seed}) into ${dir}`);
  await synth.generateLibrary(config, tmp);
  try {
    await Deno.rename(tmp, dir);
  } catch (e) {
    // Another process won the race: its copy is identical (deterministic generator).
    await Deno.remove(tmp, { recursive: true });
    if (!(await exists(join(dir, "dataset.json")))) throw e;
  }
  return dir;
}

/** A dataset of the spec: a generator preset, or a dataset folder. */
export interface DatasetEntry {
  /** Generator preset (`tiny`, `small`, `medium`, `large`). */
  preset?: string;
  /** Generator seed (presets) [1]. */
  seed?: number;
  /** Dataset folder, relative to the spec file; `${NAME}` expands environment variables and `${SHARED}`. */
  path?: string;
  /** Generator knobs overriding the preset (`{"observations": 500}`); checked by the generator. */
  generator?: Record<string, unknown>;
  /** Build the dataset from images with the photo pipeline (cached); see {@link EmbedEntry}. */
  embed?: EmbedEntry;
  /** Skip (with the reason) instead of failing when the folder does not exist. */
  optional?: boolean;
  description?: string;
}

/** Options of a dataset made from images by the photo pipeline (`embed` entries of a spec). */
export interface EmbedEntry {
  /** Image folder (`${SHARED}/data/celeb24/images`). */
  images: string;
  layout?: "photos" | "identity-folders";
  /** Images are aligned 112×112 face crops (no detection). */
  aligned?: boolean;
  /** CSV with `identity` and attribute columns (e.g. gender). */
  attributes?: string;
  /** CSV `file,identity` for photos of one person. */
  labels?: string;
  face_model?: string;
  body_model?: "osnet" | "none";
  /** Models folder [../shared/models]. */
  models?: string;
  /** identity-folders: keep only the first N files (by name) of each identity, for a quick subset. */
  per_identity?: number;
}

async function gitTree(path: string): Promise<string> {
  try {
    const o = await new Deno.Command("git", {
      args: ["rev-parse", `HEAD:${path}`],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "null",
    })
      .output();
    return o.success ? new TextDecoder().decode(o.stdout).trim() : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Returns the folder of a dataset embedded from images by `pipeline/embedImages`, building it into the cache on
 * first use. The cache key covers the options and the committed `pipeline/` tree, so new pipeline code re-embeds.
 * @returns the folder, or null when the image folder does not exist
 */
export async function embeddedDataset(
  name: string,
  e: EmbedEntry,
  cacheDir: string,
  log: (line: string) => void = () => {},
): Promise<string | null> {
  const images = expandPath(e.images, cacheDir);
  if (!(await exists(images))) return null;
  const opt = (p?: string) => (p === undefined ? undefined : expandPath(p, cacheDir));
  const resolved = { ...e, images, attributes: opt(e.attributes), labels: opt(e.labels), models: opt(e.models) };
  const key = (await sha256Hex(JSON.stringify({ resolved, pipeline: await gitTree("pipeline") }))).slice(0, 10);
  const dir = join(cacheDir, "datasets", `embed-${name}-${key}`);
  if (await exists(join(dir, "dataset.json"))) return dir;
  await Deno.mkdir(join(cacheDir, "datasets"), { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: join(cacheDir, "datasets"), prefix: ".tmp-" });
  let source = images;
  try {
    if (e.per_identity !== undefined) {
      // A subset: copy the first N files of each identity folder (sorted by name) into a scratch folder.
      source = join(tmp, "images");
      for await (const d of Deno.readDir(images)) {
        if (!d.isDirectory) continue;
        const files: string[] = [];
        for await (const f of Deno.readDir(join(images, d.name))) if (f.isFile) files.push(f.name);
        files.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
        await Deno.mkdir(join(source, d.name), { recursive: true });
        for (const f of files.slice(0, e.per_identity)) {
          await Deno.copyFile(join(images, d.name, f), join(source, d.name, f));
        }
      }
    }
    log(`embedding ${source} into ${dir} (once; cached)`);
    const { embedImages } = await import("../pipeline/embed_images.ts");
    await embedImages({
      images: source,
      out: join(tmp, "dataset"),
      layout: e.layout,
      aligned: e.aligned,
      attributes: resolved.attributes,
      labels: resolved.labels,
      faceModel: e.face_model,
      bodyModel: e.body_model,
      models: resolved.models,
      backend: "cpu",
      name,
    });
    try {
      await Deno.rename(join(tmp, "dataset"), dir);
    } catch (err) {
      if (!(await exists(join(dir, "dataset.json")))) throw err;
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return dir;
}

/**
 * Resolves one dataset entry of a spec.
 * @param name dataset name in the spec
 * @param entry its entry
 * @param specFile absolute path of the spec (relative paths start from its folder)
 * @param cacheDir cache root for generated presets
 * @returns the folder with its manifest and hash, or a skip reason for an absent optional folder
 * @throws {DataFileError} for an absent required folder or an invalid manifest
 */
export async function resolveDataset(
  name: string,
  entry: DatasetEntry,
  specFile: string,
  cacheDir: string,
  log?: (line: string) => void,
): Promise<ResolvedDataset> {
  let dir: string;
  if (entry.preset !== undefined) {
    dir = await generatedDataset(entry.preset, entry.seed ?? 1, entry.generator ?? {}, cacheDir, log);
  } else if (entry.embed !== undefined) {
    const made = await embeddedDataset(name, entry.embed, cacheDir, log);
    if (made === null) {
      const reason = `dataset "${name}": images ${expandPath(entry.embed.images, cacheDir)} not found`;
      if (entry.optional) return { status: "skipped", reason };
      throw new UsageError(reason);
    }
    dir = made;
  } else {
    const expanded = expandPath(entry.path!, cacheDir);
    dir = isAbsolute(expanded) ? expanded : resolve(join(specFile, ".."), expanded);
    if (!(await exists(join(dir, "dataset.json")))) {
      const reason = `dataset "${name}": ${dir} not found`;
      if (entry.optional) return { status: "skipped", reason };
    }
  }
  const manifest = await readManifest(dir);
  return { status: "ok", dir, manifest, manifestHash: await manifestHash(dir) };
}
