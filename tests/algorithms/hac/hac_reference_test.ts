import { cutDendrogram, hac } from "../../../algorithms/hac/mod.ts";
import type { Linkage } from "../../../algorithms/hac/mod.ts";
import { readNpy } from "../../../datasets/npy.ts";
import { sharedPath, sharedTest } from "../../_shared.ts";
import { assert, assertAlmostEquals, assertEquals } from "../../_assert.ts";
import { samePartition } from "./_fixtures.ts";

interface RefLinkage {
  linkage: string;
  clusters_at_threshold: Record<string, number>;
}

const ref = sharedPath("reference");

sharedTest(
  "hac() matches scipy (single/average/complete) and brute-force median-of-pairs on ../shared/reference",
  async () => {
    const spec = JSON.parse(await Deno.readTextFile(`${ref}/reference.json`)).hac as Record<
      string,
      { file: string; linkages: Record<string, RefLinkage> }
    >;
    let checked = 0;
    for (const [name, set] of Object.entries(spec)) {
      const x = await readNpy(`${ref}/${set.file}`);
      const [n, dim] = x.shape as [number, number];
      for (const [refName, l] of Object.entries(set.linkages)) {
        const linkage = (refName === "median-of-pairs" ? "median" : refName) as Linkage;
        const r = hac(x.data as Float32Array, dim, { linkage });
        const z = (await readNpy(`${ref}/${l.linkage}`)).data as Float64Array;
        assertEquals(r.merges.length, z.length, `${name} ${refName}: merge count`);
        // Heights are compared in order (both lists are sorted by height) to 1e-5.
        for (let i = 0; i < n - 1; i++) {
          assertAlmostEquals(r.merges[i * 4 + 2]!, z[i * 4 + 2]!, 1e-5, `${name} ${refName} merge ${i} height`);
        }
        assertEquals(r.inversions, 0);
        for (const [t, k] of Object.entries(l.clusters_at_threshold)) {
          const expected = (await readNpy(`${ref}/${name}.${refName}.cut-${t}.npy`)).data as Int32Array;
          const got = cutDendrogram(r.merges, n, Number(t));
          assertEquals(new Set(got).size, k, `${name} ${refName} clusters at ${t}`);
          assert(samePartition(got, expected), `${name} ${refName}: partition at ${t} differs from scipy`);
          checked++;
          // A thresholded run gives the same partition as cutting the full tree (small sets: keeps the test fast).
          if (n > 500) continue;
          const direct = hac(x.data as Float32Array, dim, { linkage, threshold: Number(t) });
          assert(samePartition(direct.labels, expected), `${name} ${refName}: thresholded run at ${t}`);
          checked++;
        }
      }
    }
    assert(checked >= 40, `only ${checked} cuts checked`);
  },
);
