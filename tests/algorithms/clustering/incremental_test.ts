/**
 * The first pass with an inverted-file candidate search and the incremental library: probing every cell is the
 * exact search; a night added to a built library gives the partition of clustering everything at once.
 */
import { assert, assertEquals } from "../../_assert.ts";
import { GreedyClusterer, greedyFirstPass } from "../../../algorithms/clustering/greedy.ts";
import { IncrementalLibrary } from "../../../algorithms/clustering/incremental.ts";
import { hac } from "../../../algorithms/hac/hac.ts";
import { secondPassInput } from "../../../algorithms/clustering/two_pass.ts";
import { clusteringMetrics } from "../../../algorithms/metrics/clustering.ts";
import { clusterInputFromDataset } from "../../../datasets/cluster_input.ts";
import { generateLibraryInMemory, resolveConfig } from "../../../datasets/synthetic/mod.ts";

function library(seed: number, observations = 900) {
  return clusterInputFromDataset(generateLibraryInMemory(resolveConfig({ observations, identities: 20, seed })));
}

/** The same partition (label values aside), −1 compared as its own value. */
function samePartition(a: Int32Array, b: Int32Array): boolean {
  const ab = new Map<number, number>(), ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((ab.get(a[i]!) ?? b[i]) !== b[i] || (ba.get(b[i]!) ?? a[i]) !== a[i]) return false;
    ab.set(a[i]!, b[i]!);
    ba.set(b[i]!, a[i]!);
  }
  return true;
}

for (const seed of [1, 2, 3]) {
  Deno.test(`IVF first pass probing every cell equals the exact first pass (seed ${seed})`, () => {
    const input = library(seed);
    const exact = greedyFirstPass(input, { threshold: 0.3 });
    const ivf = greedyFirstPass(input, { threshold: 0.3, candidates: { kind: "ivf", nlist: 12, nprobe: 12, seed } });
    assertEquals(Array.from(ivf.labels), Array.from(exact.labels));
    assert(ivf.comparisons < exact.comparisons, "only clusters with a face or a body in the moment are compared");
    const few = greedyFirstPass(input, { threshold: 0.3, candidates: { kind: "ivf", nlist: 12, nprobe: 2, seed } });
    assert(few.comparisons < ivf.comparisons);
    // The block screen (lists as they were at the block's start, changed clusters screened again) changes nothing.
    for (const block of [1, 7, 100]) {
      for (const [nprobe, want] of [[12, exact], [2, few]] as const) {
        const r = greedyFirstPass(input, {
          threshold: 0.3,
          candidates: { kind: "ivf", nlist: 12, nprobe, seed, block },
        });
        assertEquals(Array.from(r.labels), Array.from(want.labels), `block ${block}, nprobe ${nprobe}`);
      }
    }
  });
}

Deno.test("GreedyClusterer: a library added in two parts equals one pass over the whole order", () => {
  const input = library(4);
  const order = input.order!;
  const whole = greedyFirstPass(input, { threshold: 0.3 });
  const parts = new GreedyClusterer(input.faceDim, input.bodyDim, { threshold: 0.3 });
  parts.add(input, order.subarray(0, 600));
  parts.add(input, order.subarray(600));
  assertEquals(Array.from(parts.result().labels), Array.from(whole.labels));
  // The same with the inverted file and small screen blocks (the second part starts with fresh block state).
  const candidates = { kind: "ivf" as const, nlist: 12, nprobe: 3, seed: 4, block: 50 };
  const ivfWhole = greedyFirstPass(input, { threshold: 0.3, candidates });
  const ivfParts = new GreedyClusterer(input.faceDim, input.bodyDim, { threshold: 0.3, candidates });
  ivfParts.add(input, order.subarray(0, 600));
  ivfParts.add(input, order.subarray(600));
  assertEquals(Array.from(ivfParts.result().labels), Array.from(ivfWhole.labels));
});

for (const seed of [5, 6]) {
  Deno.test(`IncrementalLibrary: build + a night = clustering everything again (exact, seed ${seed})`, () => {
    const input = library(seed, 1200);
    const order = input.order!, cut = 1000;
    const options = { firstPass: { threshold: 0.3 }, hac: { linkage: "average" as const, threshold: 0.5 } };
    const lib = new IncrementalLibrary(input.faceDim, input.bodyDim, options);
    lib.build(input, order.subarray(0, cut));
    const night = lib.update(input, order.subarray(cut));
    assert(night.reclustered < lib.firstPass.faceCount.filter((c) => c > 0).length, "only touched components");
    const all = new IncrementalLibrary(input.faceDim, input.bodyDim, options);
    all.build(input, order);
    assert(samePartition(lib.labels(), all.labels()));
    // And the build equals the two-pass HAC over the first pass's mean faces.
    const fp = greedyFirstPass(input, { threshold: 0.3 });
    const sp = secondPassInput(input, fp);
    const h = hac(sp.vectors, sp.dim, { linkage: "average", threshold: 0.5 });
    const want = new Int32Array(input.n).fill(-1);
    const finalOfItem = new Map<number, number>();
    sp.items.forEach((c, k) => finalOfItem.set(c, h.labels[k]!));
    for (let i = 0; i < input.n; i++) want[i] = finalOfItem.get(fp.labels[i]!) ?? -1;
    assert(samePartition(all.labels(), want));
  });
}

Deno.test("IncrementalLibrary with IVF neighbours stays close to exact", () => {
  const input = library(7, 1500);
  const order = input.order!;
  const base = { firstPass: { threshold: 0.3 }, hac: { linkage: "average" as const, threshold: 0.5 } };
  const exact = new IncrementalLibrary(input.faceDim, input.bodyDim, base);
  exact.build(input, order.subarray(0, 1300));
  exact.update(input, order.subarray(1300));
  const ivf = new IncrementalLibrary(input.faceDim, input.bodyDim, { ...base, neighbours: { kind: "ivf", nprobe: 8 } });
  ivf.build(input, order.subarray(0, 1300));
  ivf.update(input, order.subarray(1300));
  const m = clusteringMetrics(ivf.labels(), exact.labels());
  assert(m.ari > 0.95, `ARI ${m.ari}`);
});

Deno.test("IncrementalLibrary scope 'clusters' re-clusters fewer clusters and stays close to the exact update", () => {
  const input = library(8, 1500);
  const order = input.order!;
  const base = { firstPass: { threshold: 0.3 }, hac: { linkage: "average" as const, threshold: 0.5 } };
  const exact = new IncrementalLibrary(input.faceDim, input.bodyDim, base);
  exact.build(input, order.subarray(0, 1350));
  const full = exact.update(input, order.subarray(1350));
  const local = new IncrementalLibrary(input.faceDim, input.bodyDim, { ...base, scope: "clusters" });
  local.build(input, order.subarray(0, 1350));
  const part = local.update(input, order.subarray(1350));
  assert(part.reclustered <= full.reclustered, `${part.reclustered} > ${full.reclustered}`);
  const m = clusteringMetrics(local.labels(), exact.labels());
  assert(m.ari > 0.95, `ARI ${m.ari}`);
});
