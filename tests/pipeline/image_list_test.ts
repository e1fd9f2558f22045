/**
 * The image listing of `pb embed` accounts for every entry: real symbolic-link loops, dangling links, folders named
 * like images, unreadable files, FIFOs, hidden and non-image files each get a row with its reason.
 */
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { assert, assertEquals } from "../_assert.ts";
import { capture } from "../_cli.ts";
import { sharedPath, sharedTest, tempDir } from "../_shared.ts";
import { main } from "../../cli/main.ts";
import { listImages } from "../../pipeline/image/list.ts";

/**
 * Makes `path` unreadable to this process: chmod 000, or — as root, who reads anything — a link to a kernel file
 * that even root may only write. Returns false when neither works here.
 */
async function makeUnreadable(path: string): Promise<boolean> {
  if (Deno.uid() !== 0) {
    await Deno.writeFile(path, new Uint8Array([0xff, 0xd8, 0xff]));
    await Deno.chmod(path, 0o000);
    return true;
  }
  for (const target of ["/proc/sys/vm/drop_caches", "/proc/sys/vm/compact_memory"]) {
    try {
      (await Deno.open(target, { read: true })).close();
    } catch (e) {
      if (e instanceof Deno.errors.PermissionDenied) {
        await Deno.symlink(target, path);
        return true;
      }
    }
  }
  return false;
}

Deno.test("listImages lists every entry it will not read, with the reason", async () => {
  const root = await tempDir();
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);
  await Deno.mkdir(join(root, "alice", "deeper"), { recursive: true });
  await Deno.writeFile(join(root, "alice", "a1.jpg"), jpeg);
  await Deno.writeFile(join(root, "alice", "deeper", "a2.PNG"), jpeg);
  await Deno.writeFile(join(root, "b.jpeg"), jpeg);
  await Deno.writeTextFile(join(root, "notes.txt"), "hello\n");
  await Deno.writeFile(join(root, ".DS_Store"), jpeg);
  // A folder named like an image (empty), and one holding an image.
  await Deno.mkdir(join(root, "x.jpg"));
  await Deno.mkdir(join(root, "y.png"));
  await Deno.writeFile(join(root, "y.png", "inner.jpg"), jpeg);
  // Real loops: a link to itself, two links to each other, and a folder link back to an ancestor.
  await Deno.symlink("self.jpg", join(root, "self.jpg"));
  await Deno.symlink("pong.jpg", join(root, "ping.jpg"));
  await Deno.symlink("ping.jpg", join(root, "pong.jpg"));
  await Deno.symlink("..", join(root, "alice", "deeper", "up"));
  await Deno.symlink(root, join(root, "alice", "home"));
  // A dangling link, a second link to a listed folder, and a link to a readable image (kept).
  await Deno.symlink("missing.jpg", join(root, "gone.jpg"));
  await Deno.symlink("alice", join(root, "zz-alice-again"));
  await Deno.symlink(join(root, "b.jpeg"), join(root, "link-to-b.jpg"));
  const fifo = new Deno.Command("mkfifo", { args: [join(root, "pipe.jpg")] }).outputSync().success;
  const locked = await makeUnreadable(join(root, "locked.jpg"));

  const { files, skipped } = await listImages(root);
  const reasons = Object.fromEntries(skipped.map((s) => [s.file, s.reason]));
  assertEquals(files, ["alice/a1.jpg", "alice/deeper/a2.PNG", "b.jpeg", "link-to-b.jpg", "y.png/inner.jpg"]);
  const expect: Record<string, RegExp> = {
    ".DS_Store": /hidden/,
    "notes.txt": /not an image file extension \(\.txt\)/,
    "x.jpg/": /directory named like an image/,
    "y.png/": /directory named like an image/,
    "self.jpg": /symbolic-link loop/,
    "ping.jpg": /symbolic-link loop/,
    "pong.jpg": /symbolic-link loop/,
    "alice/deeper/up/": /symbolic-link loop \(leads back to alice\/\)/,
    "alice/home/": /symbolic-link loop \(leads back to \.\/\)/,
    "gone.jpg": /dangling symbolic link/,
    "zz-alice-again/": /already listed \(alice\/\)/,
  };
  if (fifo) expect["pipe.jpg"] = /not a regular file/;
  else console.warn("image_list_test: mkfifo unavailable, FIFO case not checked");
  if (locked) expect["locked.jpg"] = /may not read this file \(permission denied\)/;
  else console.warn("image_list_test: could not make an unreadable file here, that case not checked");
  assertEquals(Object.keys(reasons).sort(), Object.keys(expect).sort());
  for (const [file, re] of Object.entries(expect)) assert(re.test(reasons[file]!), `${file}: ${reasons[file]}`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("listImages reports a folder it may not list instead of failing", async () => {
  if (Deno.uid() === 0) {
    console.warn("image_list_test: running as root, every folder is listable: unlistable-folder case not checked");
    return;
  }
  const root = await tempDir();
  await Deno.mkdir(join(root, "closed"));
  await Deno.writeFile(join(root, "closed", "c.jpg"), new Uint8Array([1]));
  await Deno.chmod(join(root, "closed"), 0o000);
  try {
    const { files, skipped } = await listImages(root);
    assertEquals(files, []);
    assertEquals(skipped.map((s) => s.file), ["closed/"]);
    assert(skipped[0]!.reason.includes("permission denied"), skipped[0]!.reason);
  } finally {
    await Deno.chmod(join(root, "closed"), 0o755);
    await Deno.remove(root, { recursive: true });
  }
});

sharedTest("pb embed writes every unread entry to skipped.csv and keeps only grouping attribute columns", async () => {
  const dir = await tempDir(), images = join(dir, "images"), out = join(dir, "out");
  for (const person of ["barack-obama", "drew-barrymore"]) {
    await Deno.mkdir(join(images, person), { recursive: true });
    for (
      const f of [...Deno.readDirSync(sharedPath("data", "celeb24", "images", person))].map((e) => e.name).sort().slice(
        0,
        2,
      )
    ) {
      await Deno.copyFile(sharedPath("data", "celeb24", "images", person, f), join(images, person, f));
    }
  }
  await Deno.symlink("loop.jpg", join(images, "barack-obama", "loop.jpg"));
  await Deno.symlink("..", join(images, "drew-barrymore", "back"));
  await Deno.mkdir(join(images, "drew-barrymore", "x.jpg"));
  const locked = await makeUnreadable(join(images, "barack-obama", "locked.jpg"));
  const r = await capture(() =>
    main([
      "embed",
      "--images",
      images,
      "--out",
      out,
      "--layout",
      "identity-folders",
      "--aligned",
      "--attributes",
      sharedPath("data", "celeb24", "identities.csv"),
      "--quiet",
    ])
  );
  assertEquals(r.code, 0, r.err);
  const rows = parse(await Deno.readTextFile(join(out, "skipped.csv")), { columns: true }) as {
    file: string;
    reason: string;
  }[];
  const reasons = Object.fromEntries(rows.map((s) => [s.file, s.reason]));
  assert(/symbolic-link loop/.test(reasons["barack-obama/loop.jpg"] ?? ""), JSON.stringify(reasons));
  assert(/symbolic-link loop/.test(reasons["drew-barrymore/back/"] ?? ""), JSON.stringify(reasons));
  assert(/directory named like an image/.test(reasons["drew-barrymore/x.jpg/"] ?? ""), JSON.stringify(reasons));
  if (locked) assert(/may not read/.test(reasons["barack-obama/locked.jpg"] ?? ""), JSON.stringify(reasons));
  assertEquals(rows.length, locked ? 4 : 3, JSON.stringify(reasons));
  // identities.csv is identity,name,gender,images: only gender groups people.
  const manifest = JSON.parse(await Deno.readTextFile(join(out, "dataset.json")));
  assertEquals(manifest.attributes, ["gender"]);
  assert(/left out: name .*images/.test(manifest.notes), manifest.notes);
  await Deno.remove(dir, { recursive: true });
});
