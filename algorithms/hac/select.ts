/**
 * In-place quickselect for the median-of-pairs linkage (gathered values).
 * @module
 */

/**
 * Rearranges `a[lo..hi]` so that `a[k]` holds the value of rank k (0-based within the whole array),
 * smaller-or-equal values before it. Median-of-three Hoare partitioning; O(len) expected.
 */
export function quickselect(a: Float32Array, lo: number, hi: number, k: number): number {
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot, moved into place
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= lo && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
  return a[k]!;
}

function swap(a: Float32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
