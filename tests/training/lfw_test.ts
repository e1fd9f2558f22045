import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { sharedPath, sharedTest } from "../_shared.ts";
import { lfwAsset, lfwProtocol, parseLfwPairs } from "../../training/lfw.ts";
import { DataFileError } from "../../base/errors.ts";
import { Rng } from "../../algorithms/random/rng.ts";

Deno.test("parseLfwPairs: folds of matched then mismatched pairs; bad lines name the file and line", () => {
  const text = "2\t1\nAl\t1\t2\nAl\t1\tBo\t3\nBo\t1\t2\nCy\t2\tAl\t1\n";
  const pairs = parseLfwPairs(text, "p.txt");
  assertEquals(pairs.map((p) => [p.fold, p.same, p.a, p.b]), [
    [0, true, "Al/Al_0001.jpg", "Al/Al_0002.jpg"],
    [0, false, "Al/Al_0001.jpg", "Bo/Bo_0003.jpg"],
    [1, true, "Bo/Bo_0001.jpg", "Bo/Bo_0002.jpg"],
    [1, false, "Cy/Cy_0002.jpg", "Al/Al_0001.jpg"],
  ]);
  const e = assertThrows(
    () => parseLfwPairs("2\t1\nAl\t1\t2\nAl\t1\t2\nBo\t1\t2\nCy\t2\tAl\t1\n", "p.txt"),
    DataFileError,
  );
  assert(e.message.includes("p.txt") && e.message.includes("line 3"), e.message);
  assertThrows(() => parseLfwPairs("2\t1\nAl\t1\t2\n", "p.txt"), DataFileError, "expected 4 pair lines");
});

Deno.test("lfwProtocol: separable scores give 100%; a missing photo scores −1 and is judged different", () => {
  const rng = new Rng(1);
  const pairs = Array.from({ length: 40 }, (_, i) => ({
    fold: i % 4,
    same: i % 2 === 0,
    a: `p${i}a`,
    b: `p${i}b`,
  }));
  // Unit 2-d vectors: same pairs at small angles, different pairs at large ones.
  const emb = new Map<string, Float32Array>();
  pairs.forEach((p) => {
    const angle = p.same ? rng.float() * 0.5 : 1.5 + rng.float();
    emb.set(p.a, new Float32Array([1, 0]));
    emb.set(p.b, new Float32Array([Math.cos(angle), Math.sin(angle)]));
  });
  const gender = (a: string) => (Number(a.slice(1, -1)) < 20 ? "F" : "M");
  const r = lfwProtocol(pairs, { embeddingOf: (a) => emb.get(a), genderOf: gender });
  assertEquals(r.foldAccuracy, [1, 1, 1, 1]);
  assertEquals(r.sdAccuracy, 0);
  assertEquals(r.auc, 1);
  assertEquals(r.byGender, [{ group: "F", pairs: 20, accuracy: 1 }, { group: "M", pairs: 20, accuracy: 1 }]);
  // A missing photo scores −1: the pair is judged different.
  const withMissing = lfwProtocol(pairs, { embeddingOf: (a) => (a === "p0a" ? undefined : emb.get(a)) });
  assertEquals(withMissing.missing, 1);
  assertAlmostEquals(withMissing.foldAccuracy[0]!, 0.9, 1e-12);
});

sharedTest("LFW pairs.txt: 10 folds × (300 matched + 300 mismatched), every photo exists", async () => {
  const dir = sharedPath("data", "lfw");
  const pairs = parseLfwPairs(await Deno.readTextFile(`${dir}/pairs.txt`));
  assertEquals(pairs.length, 6000);
  assertEquals(pairs.filter((p) => p.same).length, 3000);
  assertEquals(new Set(pairs.map((p) => p.fold)).size, 10);
  for (const p of pairs.slice(0, 50)) Deno.statSync(`${dir}/images/${p.a}`);
  assertEquals(lfwAsset("Zico", 3), "Zico/Zico_0003.jpg");
});
