/**
 * The image listing of `pb embed`: walks a folder and returns the candidate image files, plus every entry it will
 * not read with the reason — hidden, not an image extension, a directory named like an image, a symbolic-link loop,
 * a dangling link, a second link to a folder already listed, a device/FIFO/socket, a file or folder it may not read —
 * so that `skipped.csv` accounts for every entry and nothing is dropped silently.
 * @module
 */
import { join, relative, sep } from "node:path";

/** File extensions treated as images (the content is sniffed; the name only selects candidates). */
export const IMAGE_EXTENSIONS: readonly string[] = [
  ".jpg",
  ".jpeg",
  ".png",
  ".webp",
  ".tif",
  ".tiff",
  ".gif",
  ".bmp",
  ".avif",
  ".heic",
  ".heif",
];

/** An entry that will not be read, and why (a row of `skipped.csv`). */
export interface UnreadEntry {
  /** Path relative to the listed folder, `/`-separated; a folder ends with `/`. */
  file: string;
  reason: string;
}

/** What {@link listImages} found. */
export interface ImageListing {
  /** Readable candidate image files, relative to the root, `/`-separated, sorted. */
  files: string[];
  /** Entries that will not be read, sorted by path. */
  skipped: UnreadEntry[];
}

/** True when a file name has one of {@link IMAGE_EXTENSIONS} (case-insensitive). */
export function hasImageExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((x) => lower.endsWith(x));
}

/** A short cause for a file-system error: the error class in words, not Deno's message with the full path. */
function cause(e: unknown): string {
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.NotFound) return "not found";
  if (e instanceof Deno.errors.FilesystemLoop) return "symbolic-link loop";
  if (e instanceof Deno.errors.NotADirectory) return "not a directory";
  return (e as Error).message.split("\n")[0]!.replace(/:\s*\S+ '.*'$/, "");
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot).toLowerCase() : "none";
}

/**
 * Lists the image files under `root` (following symbolic links, each folder once) and every entry that will not
 * be read.
 * @param root the images folder
 * @returns readable candidate files and the unread entries with their reasons
 * @throws {Deno.errors.NotFound} when `root` itself does not exist (callers check it first)
 * @example
 * ```ts ignore
 * import { listImages } from "./list.ts";
 * const { files, skipped } = await listImages("photos");
 * for (const s of skipped) console.log(`${s.file}: ${s.reason}`);
 * ```
 */
export async function listImages(root: string): Promise<ImageListing> {
  const files: string[] = [];
  const skipped: UnreadEntry[] = [];
  const rel = (p: string) => relative(root, p).split(sep).join("/");
  const skip = (p: string, reason: string, folder = false) =>
    skipped.push({ file: rel(p) + (folder ? "/" : ""), reason });
  // Real paths of the folders listed so far: a link back to one of them is a loop (an ancestor) or a repeat.
  const listed = new Map<string, string>();

  async function walk(dir: string, real: string, ancestors: ReadonlySet<string>): Promise<void> {
    listed.set(real, dir);
    const entries: Deno.DirEntry[] = [];
    try {
      for await (const e of Deno.readDir(dir)) entries.push(e);
    } catch (e) {
      skip(dir, `cannot list this folder (${cause(e)})`, true);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.name.startsWith(".")) {
        skip(p, "hidden entry (name starts with a dot)", e.isDirectory);
        continue;
      }
      let isFile = e.isFile, isDirectory = e.isDirectory;
      if (e.isSymlink) {
        try {
          const st = await Deno.stat(p);
          isFile = st.isFile;
          isDirectory = st.isDirectory;
        } catch (err) {
          skip(
            p,
            err instanceof Deno.errors.FilesystemLoop
              ? "symbolic-link loop (the link resolves to itself)"
              : err instanceof Deno.errors.NotFound
              ? "dangling symbolic link (its target does not exist)"
              : `cannot follow symbolic link (${cause(err)})`,
          );
          continue;
        }
      }
      if (isDirectory) {
        let realDir: string;
        try {
          realDir = await Deno.realPath(p);
        } catch (err) {
          skip(p, `cannot resolve folder (${cause(err)})`, true);
          continue;
        }
        if (ancestors.has(realDir)) {
          skip(p, `symbolic-link loop (leads back to ${rel(listed.get(realDir)!) || "."}/)`, true);
          continue;
        }
        if (listed.has(realDir)) {
          skip(p, `symbolic link to a folder already listed (${rel(listed.get(realDir)!) || "."}/)`, true);
          continue;
        }
        if (hasImageExtension(e.name)) {
          skip(p, "a directory named like an image (not an image; its contents are listed on their own)", true);
        }
        await walk(p, realDir, new Set([...ancestors, realDir]));
      } else if (isFile) {
        if (!hasImageExtension(e.name)) {
          skip(p, `not an image file extension (${extensionOf(e.name)})`);
          continue;
        }
        try {
          (await Deno.open(p, { read: true })).close();
        } catch (err) {
          skip(p, `may not read this file (${cause(err)})`);
          continue;
        }
        files.push(rel(p));
      } else {
        skip(p, "not a regular file (a device, FIFO or socket)");
      }
    }
  }

  const rootReal = await Deno.realPath(root);
  await walk(root, rootReal, new Set([rootReal]));
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { files: files.sort(byPath), skipped: skipped.sort((a, b) => byPath(a.file, b.file)) };
}
