/**
 * Seeded pseudo-random numbers: every random choice in PeopleBench flows from one of these.
 *
 * xoshiro128** (Blackman & Vigna, 2018) seeded through splitmix32, so that any 32-bit seed gives a
 * well-mixed state. Fast, 2^128 − 1 period, identical on every platform (pure 32-bit integer math).
 *
 * @module
 */

/** Mixes a 32-bit value (splitmix32 finaliser). */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hashes a string to 32 bits (FNV-1a, then mixed), used to derive named sub-streams. */
export function hashString32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h >>> 0);
}

/**
 * A deterministic random number generator.
 *
 * @example
 * ```ts
 * import { Rng } from "./rng.ts";
 * const a = new Rng(42), b = new Rng(42);
 * if (a.float() !== b.float()) throw new Error("not deterministic");
 * ```
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spareNormal = NaN;

  /**
   * @param seed any integer (only the low 32 bits matter) or a string, hashed.
   */
  constructor(seed: number | string) {
    this.#s0 =
      this.#s1 =
      this.#s2 =
      this.#s3 =
        0;
    this.reseed(seed);
  }

  /**
   * Restarts the stream as `new Rng(seed)` would, without allocating (hot loops that draw from many
   * seeds reuse one generator).
   * @param seed as for the constructor
   */
  reseed(seed: number | string): void {
    const x = typeof seed === "string" ? hashString32(seed) : (seed >>> 0);
    this.#s0 = mix32((x + 0x9e3779b9) >>> 0);
    this.#s1 = mix32((x + 2 * 0x9e3779b9) >>> 0);
    this.#s2 = mix32((x + 3 * 0x9e3779b9) >>> 0);
    this.#s3 = mix32((x + 4 * 0x9e3779b9) >>> 0);
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
    this.#spareNormal = NaN;
  }

  /** Returns a uniform unsigned 32-bit integer. */
  u32(): number {
    const s0 = this.#s0, s1 = this.#s1, s2 = this.#s2, s3 = this.#s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0, n3 = s3 ^ s1;
    const n1 = s1 ^ n2, n0 = s0 ^ n3;
    n2 ^= t;
    n3 = rotl(n3, 11);
    this.#s0 = n0;
    this.#s1 = n1;
    this.#s2 = n2;
    this.#s3 = n3;
    return r;
  }

  /** Returns a uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.u32() >>> 5, lo = this.u32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Returns a uniform integer in [0, n). @throws {RangeError} when n is not a positive integer. */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`Rng.int needs a positive integer, got ${n}`);
    if (n <= 0x100000000) {
      // Rejection sampling removes modulo bias.
      const limit = 0x100000000 - (0x100000000 % n);
      let v = this.u32();
      while (v >= limit) v = this.u32();
      return v % n;
    }
    return Math.floor(this.float() * n);
  }

  /** Returns a standard normal deviate (Box–Muller, the second value cached). */
  normal(): number {
    if (!Number.isNaN(this.#spareNormal)) {
      const v = this.#spareNormal;
      this.#spareNormal = NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Returns true with probability p. */
  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  /** Shuffles an array or typed array in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** Derives an independent generator for a named sub-task, without advancing this one. */
  fork(label: string): Rng {
    return new Rng((hashString32(label) ^ mix32(this.#s0 ^ this.#s2)) >>> 0);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
