/**
 * The synthetic library model: identities, moments, photos and embeddings, produced moment by moment
 * in small batches so that a library of any size streams to disk. Pure computation (no I/O).
 * @module
 */
import { Rng } from "../../algorithms/random/rng.ts";
import type { ObservationRecord } from "../format.ts";
import { CHILD_VALUE, type GeneratorConfig, LOOKALIKE_ATTRIBUTE, MOMENT_TYPES, type MomentType } from "./config.ts";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR = 365.25 * DAY;
const KM_PER_DEGREE = 111.32;
/** Outfits remembered per person for repeats (bounded memory whatever the library size). */
const WARDROBE = 8;
/** Moments simulated (structure only) to estimate observations per moment. */
const PILOT_MOMENTS = 2000;
/** Attributes a look-alike sibling does not inherit. */
const PERSONAL_ATTRIBUTES = new Set(["gender", "age_group"]);

/** A chunk of output: observations plus the embedding rows they reference (views into reused buffers). */
export interface SimBatch {
  /** faceRows × faceDim values, rows numbered from `firstFaceRow`. */
  faces: Float32Array;
  /** bodyRows × bodyDim values, or null without a body space. */
  bodies: Float32Array | null;
  firstFaceRow: number;
  firstBodyRow: number;
  records: ObservationRecord[];
}

function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  const limit = Math.exp(-lambda);
  let k = 0, p = rng.float();
  while (p > limit) {
    k++;
    p *= rng.float();
  }
  return k;
}

/** Index of the first cumulative weight above u·total (binary search), restricted to [0, n). */
function pickCumulative(cum: Float64Array, n: number, u: number): number {
  const target = u * cum[n - 1]!;
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const U32_TO_SIGNED = 1 / 2147483648;

/**
 * Fills `out` with standard normal deviates (Marsaglia's polar method on 32-bit uniforms). About 5×
 * faster here than Rng.normal's Box–Muller, whose sin/cos dominate: a million observations draw ~2·10⁸.
 */
function gaussianInto(rng: Rng, out: Float64Array): void {
  const n = out.length;
  for (let j = 0; j < n; j += 2) {
    let x: number, y: number, q: number;
    do {
      x = rng.u32() * U32_TO_SIGNED - 1;
      y = rng.u32() * U32_TO_SIGNED - 1;
      q = x * x + y * y;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    out[j] = x * f;
    if (j + 1 < n) out[j + 1] = y * f;
  }
}

function normalize64(v: Float64Array): void {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j]! * v[j]!;
  const k = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let j = 0; j < v.length; j++) v[j]! *= k;
}

function randomUnit(rng: Rng, out: Float64Array): Float64Array {
  gaussianInto(rng, out);
  normalize64(out);
  return out;
}

/** Writes v / ‖v‖ as float32 into out at offset. */
function storeUnit(v: Float64Array, out: Float32Array, offset: number): void {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j]! * v[j]!;
  const k = 1 / Math.sqrt(s);
  for (let j = 0; j < v.length; j++) out[offset + j] = v[j]! * k;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Generates the library described by a configuration, as a sequence of batches. */
export class LibrarySimulator {
  readonly config: GeneratorConfig;
  /** Attribute column names: the configured ones, then `lookalike`. */
  readonly attributeNames: string[];
  /** Identity name of each rank (rank 0 is the most frequent person). */
  readonly identityNames: string[];
  /** Attribute values per identity, parallel to {@link attributeNames}. */
  readonly identityAttributes: Record<string, string>[];
  /** Number of moments planned over the span (more are added if the pilot estimate falls short). */
  readonly plannedMoments: number;

  readonly #root: Rng;
  readonly #fd: number;
  readonly #bd: number;
  readonly #zipfCum: Float64Array;
  readonly #centres: Float32Array;
  readonly #drift: Float32Array;
  readonly #isChild: Uint8Array;
  readonly #noiseMult: Float64Array;
  readonly #bodyShape: Float32Array;
  readonly #wardrobe: Float32Array;
  readonly #wardrobeSize: Uint8Array;
  readonly #wardrobeNext: Uint8Array;
  readonly #junkDir: Float64Array;
  readonly #maskDir: Float64Array;
  readonly #startMs: number;
  readonly #spanMs: number;
  readonly #starts: Float64Array;
  readonly #mixCum: Float64Array;

  /** @param config a validated configuration (see resolveConfig) */
  constructor(config: GeneratorConfig) {
    this.config = config;
    const c = config;
    this.#root = new Rng(c.seed);
    this.#fd = c.faceDim;
    this.#bd = c.bodyDim;
    const n = c.identities;
    const width = Math.max(4, String(n - 1).length);
    this.identityNames = Array.from({ length: n }, (_, r) => `person-${String(r).padStart(width, "0")}`);
    this.attributeNames = [...Object.keys(c.attributes), LOOKALIKE_ATTRIBUTE];

    this.#zipfCum = new Float64Array(n);
    let acc = 0;
    for (let r = 0; r < n; r++) this.#zipfCum[r] = acc += Math.pow(r + 1, -c.zipfExponent);

    // Shared directions: one per attribute value (people of a group look alike), junk, mask.
    const groups = this.#root.fork("groups");
    const groupDir = new Map<string, Float64Array>();
    for (const [name, values] of Object.entries(c.attributes)) {
      for (const value of Object.keys(values)) {
        groupDir.set(`${name}=${value}`, randomUnit(groups, new Float64Array(this.#fd)));
      }
    }
    this.#junkDir = randomUnit(this.#root.fork("junk"), new Float64Array(this.#fd));
    this.#maskDir = randomUnit(this.#root.fork("mask"), new Float64Array(this.#fd));

    // Identities.
    const ir = this.#root.fork("identities");
    this.#centres = new Float32Array(n * this.#fd);
    this.#drift = new Float32Array(n * this.#fd);
    this.#isChild = new Uint8Array(n);
    this.#noiseMult = new Float64Array(n);
    this.#bodyShape = new Float32Array(n * this.#bd);
    this.identityAttributes = [];
    const lookalike = new Uint8Array(n);
    const v = new Float64Array(this.#fd), u = new Float64Array(this.#fd), b = new Float64Array(this.#bd);
    const attrEntries = Object.entries(c.attributes).map(([name, values]) => {
      const names = Object.keys(values);
      const cum = new Float64Array(names.length);
      let s = 0;
      names.forEach((k, i) => cum[i] = s += values[k]!.share);
      return { name, values, names, cum };
    });
    for (let r = 0; r < n; r++) {
      const attrs: Record<string, string> = {};
      for (const a of attrEntries) attrs[a.name] = a.names[pickCumulative(a.cum, a.cum.length, ir.float())]!;
      if (r > 0 && ir.bernoulli(c.lookalikeRate)) {
        // A sibling of an earlier person, chosen by frequency (families are the frequent people).
        const j = pickCumulative(this.#zipfCum, r, ir.float());
        for (const a of attrEntries) {
          if (!PERSONAL_ATTRIBUTES.has(a.name)) attrs[a.name] = this.identityAttributes[j]![a.name]!;
        }
        randomUnit(ir, u);
        for (let k = 0; k < this.#fd; k++) v[k] = this.#centres[j * this.#fd + k]! + c.lookalikeDistance * u[k]!;
        lookalike[r] = lookalike[j] = 1;
      } else {
        randomUnit(ir, v);
        for (const a of attrEntries) {
          const g = groupDir.get(`${a.name}=${attrs[a.name]}`)!;
          for (let k = 0; k < this.#fd; k++) v[k]! += c.attributeCrowding * g[k]!;
        }
      }
      storeUnit(v, this.#centres, r * this.#fd);
      let mult = 1;
      for (const a of attrEntries) mult *= a.values[attrs[a.name]!]!.noise;
      this.#noiseMult[r] = mult;
      if (attrs["age_group"] === CHILD_VALUE) {
        this.#isChild[r] = 1;
        randomUnit(ir, u);
        for (let k = 0; k < this.#fd; k++) this.#drift[r * this.#fd + k] = c.childDrift * u[k]!;
      }
      storeUnit(randomUnit(ir, b), this.#bodyShape, r * this.#bd);
      this.identityAttributes.push(attrs);
    }
    for (let r = 0; r < n; r++) this.identityAttributes[r]![LOOKALIKE_ATTRIBUTE] = lookalike[r] ? "yes" : "no";
    this.#wardrobe = new Float32Array(c.body ? n * WARDROBE * this.#bd : 0);
    this.#wardrobeSize = new Uint8Array(n);
    this.#wardrobeNext = new Uint8Array(n);

    const mix = c.momentMix;
    this.#mixCum = new Float64Array(4);
    let m = 0;
    MOMENT_TYPES.forEach((t, i) => this.#mixCum[i] = m += mix[t]);

    // Plan moment starts uniformly over the span; a pilot run of the structure estimates how many.
    this.#startMs = Date.parse(c.startDate);
    this.#spanMs = c.years * YEAR;
    const pilot = this.#root.fork("pilot");
    let pilotObs = 0;
    for (let i = 0; i < PILOT_MOMENTS; i++) pilotObs += this.#momentShape(pilot).observations;
    this.plannedMoments = Math.max(1, Math.ceil(c.observations / (pilotObs / PILOT_MOMENTS)));
    const sr = this.#root.fork("moment-starts");
    this.#starts = new Float64Array(this.plannedMoments);
    for (let i = 0; i < this.plannedMoments; i++) this.#starts[i] = sr.float() * this.#spanMs;
    this.#starts.sort();
  }

  /** Draws a moment's type and sizes; `observations` is the expected count (used by the pilot). */
  #momentShape(r: Rng): { type: MomentType; photos: number; cast: number; observations: number } {
    const c = this.config;
    const type = MOMENT_TYPES[pickCumulative(this.#mixCum, 4, r.float())]!;
    const s = c.photosSpread;
    const photos = Math.max(1, Math.round(c.photosPerMoment[type] * Math.exp(s * r.normal() - s * s / 2)));
    const cast = Math.min(c.identities, 1 + poisson(r, c.castSize[type] - 1));
    // Expected people per photo: 1 + Poisson(extra) capped at the cast (approximated by the mean).
    const people = Math.min(cast, 1 + c.extraPeoplePerPhoto);
    return { type, photos, cast, observations: photos * (people + c.nonfaceRate) };
  }

  /** Draws `k` distinct identities by Zipf weight. */
  #drawCast(r: Rng, k: number): Int32Array {
    const n = this.config.identities;
    const cast = new Int32Array(k);
    const chosen = new Set<number>();
    for (let i = 0; i < k; i++) {
      let p = -1;
      for (let tries = 0; tries < 64; tries++) {
        const q = pickCumulative(this.#zipfCum, n, r.float());
        if (!chosen.has(q)) {
          p = q;
          break;
        }
      }
      if (p < 0) {
        // Heavy weights keep hitting the same people: take the least-frequent unused one instead.
        p = n - 1;
        while (chosen.has(p)) p--;
      }
      chosen.add(p);
      cast[i] = p;
    }
    return cast;
  }

  /**
   * Produces the library in batches of about `batchObservations` observations. Each batch's arrays are
   * views into buffers reused by the next batch: consume (write or copy) a batch before asking for the next.
   * @param batchObservations observations per batch (a moment is never split across batches except at the end)
   */
  *batches(batchObservations = 4096): Generator<SimBatch> {
    const c = this.config;
    const fd = this.#fd, bd = this.#bd;
    const target = c.observations;
    const momentRoot = this.#root.fork("moments");
    let faces = new Float32Array(fd * (batchObservations + 256));
    let bodies = c.body ? new Float32Array(bd * (batchObservations + 256)) : null;
    let faceCount = 0, bodyCount = 0, firstFace = 0, firstBody = 0;
    let records: ObservationRecord[] = [];
    let produced = 0, photoIndex = 0, lastStart = 0;
    const v = new Float64Array(fd), centre = new Float64Array(fd), bv = new Float64Array(bd);
    const noiseF = new Float64Array(fd), noiseB = new Float64Array(bd);
    const faceSd = 1 / Math.sqrt(fd), bodySd = 1 / Math.sqrt(bd);
    const meanGap = this.#spanMs / this.plannedMoments;
    const emptyAttrs: Record<string, string> = Object.fromEntries(this.attributeNames.map((a) => [a, ""]));

    const growFaces = () => {
      if ((faceCount + 1) * fd > faces.length) {
        const next = new Float32Array(faces.length * 2);
        next.set(faces);
        faces = next;
      }
    };
    const growBodies = () => {
      if (bodies && (bodyCount + 1) * bd > bodies.length) {
        const next = new Float32Array(bodies.length * 2);
        next.set(bodies);
        bodies = next;
      }
    };

    for (let m = 0; produced < target; m++) {
      const r = momentRoot.fork(`moment:${m}`);
      const start = this.#startMs +
        (m < this.plannedMoments ? this.#starts[m]! : (lastStart += -Math.log(1 - r.float()) * meanGap));
      if (m === this.plannedMoments - 1) lastStart = this.#starts[m]!;
      const shape = this.#momentShape(r);
      const type = shape.type;
      const duration = type === "everyday"
        ? (0.5 + 2.5 * r.float()) * HOUR
        : type === "outing"
        ? (2 + 6 * r.float()) * HOUR
        : type === "event"
        ? (2 + 4 * r.float()) * HOUR
        : (2 + 12 * r.float()) * DAY;
      // Moment centre and the spread of photo positions around it (km).
      let lat = c.homeLat, lon = c.homeLon, spreadKm: number;
      if (type === "everyday") spreadKm = 0.05;
      else {
        const radius = type === "trip"
          ? c.tripRadiusKm * (0.05 + 0.95 * r.float())
          : c.outingRadiusKm * Math.sqrt(r.float());
        const bearing = 2 * Math.PI * r.float();
        lat = Math.max(-85, Math.min(85, lat + (radius * Math.cos(bearing)) / KM_PER_DEGREE));
        lon += (radius * Math.sin(bearing)) / (KM_PER_DEGREE * Math.cos((lat * Math.PI) / 180));
        lon = ((lon + 540) % 360) - 180;
        spreadKm = type === "trip" ? 15 : type === "outing" ? 1 : 0.1;
      }
      const noGps = r.bernoulli(c.momentNoGpsRate);
      const maskMoment = r.bernoulli(c.maskMomentRate);
      const cast = this.#drawCast(r, shape.cast);
      // Outfits: one per cast member for the whole moment, sometimes one worn before.
      const outfit = new Float64Array(c.body ? shape.cast * bd : 0);
      if (c.body) {
        for (let i = 0; i < shape.cast; i++) {
          const p = cast[i]!;
          const base = p * WARDROBE * bd;
          const size = this.#wardrobeSize[p]!;
          if (size > 0 && r.bernoulli(c.outfitRepeatRate)) {
            const w = r.int(size);
            for (let k = 0; k < bd; k++) bv[k] = this.#wardrobe[base + w * bd + k]!;
          } else {
            randomUnit(r, bv);
            const slot = this.#wardrobeNext[p]!;
            for (let k = 0; k < bd; k++) this.#wardrobe[base + slot * bd + k] = bv[k]!;
            this.#wardrobeNext[p] = (slot + 1) % WARDROBE;
            if (size < WARDROBE) this.#wardrobeSize[p] = size + 1;
          }
          for (let k = 0; k < bd; k++) bv[k]! += c.bodyShapeWeight * this.#bodyShape[p * bd + k]!;
          normalize64(bv);
          outfit.set(bv, i * bd);
        }
      }
      const times = new Float64Array(shape.photos);
      for (let i = 0; i < shape.photos; i++) times[i] = r.float() * duration;
      times.sort();
      const order = Int32Array.from(cast.keys());

      for (let ph = 0; ph < shape.photos && produced < target; ph++) {
        const asset = `img-${String(photoIndex++).padStart(7, "0")}`;
        const trueTime = Math.round((start + times[ph]!) / 1000) * 1000;
        const time = r.bernoulli(c.timeMissingRate) ? NaN : trueTime;
        let plat = NaN, plon = NaN;
        const gpsMissing = r.bernoulli(c.gpsMissingRate);
        if (!noGps && !gpsMissing) {
          const dn = r.normal() * spreadKm, de = r.normal() * spreadKm;
          plat = round6(Math.max(-89.9, Math.min(89.9, lat + dn / KM_PER_DEGREE)));
          plon = round6(((lon + de / (KM_PER_DEGREE * Math.cos((lat * Math.PI) / 180)) + 540) % 360) - 180);
        }
        const portrait = r.float() < 1 / 3;
        const W = portrait ? c.photoHeight : c.photoWidth, H = portrait ? c.photoWidth : c.photoHeight;
        const k = Math.min(shape.cast, 1 + poisson(r, c.extraPeoplePerPhoto));
        // Partial Fisher–Yates: the first k of `order` are this photo's people.
        for (let i = 0; i < k; i++) {
          const j = i + r.int(shape.cast - i);
          const t = order[i]!;
          order[i] = order[j]!;
          order[j] = t;
        }
        const falseDetection = r.bernoulli(c.nonfaceRate);
        const slots = k + (falseDetection ? 1 : 0);
        const slotW = W / slots;
        const frac = Math.max(0, Math.min(1.5, (trueTime - this.#startMs) / this.#spanMs));

        for (let i = 0; i < k && produced < target; i++) {
          const ci = order[i]!, p = cast[ci]!;
          // Face box (x y w h) in this person's slot; the body box hangs below it.
          const fw = Math.max(24, Math.min(0.3 * H, slotW * (0.2 + 0.25 * r.float())));
          const fh = 1.2 * fw;
          const cx = (i + 0.5 + 0.3 * (r.float() - 0.5)) * slotW;
          const fy = H * (0.08 + 0.25 * r.float());
          const fx = Math.max(0, Math.min(W - fw, cx - fw / 2));
          const bx = Math.max(0, cx - 1.4 * fw), by = Math.min(H - 1, fy + 0.9 * fh);
          const faceBox = [Math.round(fx), Math.round(fy), Math.round(fw), Math.round(fh)];
          const bodyBox = [
            Math.round(bx),
            Math.round(by),
            Math.round(Math.min(W - bx, 2.8 * fw)),
            Math.round(Math.max(1, Math.min(H - by, 3.2 * fh))),
          ];

          const vis = r.float();
          const bodyOnly = c.body && vis < c.bodyOnlyRate;
          const faceOnly = !bodyOnly && vis < c.bodyOnlyRate + c.faceOnlyRate;
          const profile = r.bernoulli(c.profileRate);
          const blur = r.bernoulli(c.unclearRate) ? 0.6 + 0.4 * r.float() : 0.25 * r.float() ** 2;
          const occlusion = r.bernoulli(c.occlusionRate) ? r.float() : 0;
          const masked = maskMoment && r.bernoulli(c.maskRate);
          const mult = 1 + (profile ? c.profileNoise : 0) + blur * c.blurNoise + occlusion * c.occlusionNoise +
            (masked ? c.maskNoise : 0);
          const unclear = mult >= c.unclearThreshold;
          let faceRow = -1, bodyRow = -1, quality = NaN;
          if (!bodyOnly) {
            // Face = identity centre at this time + noise scaled by pose, blur, occlusion and group.
            const o = p * fd;
            if (this.#isChild[p]) {
              for (let j = 0; j < fd; j++) centre[j] = this.#centres[o + j]! + frac * this.#drift[o + j]!;
              normalize64(centre);
            } else for (let j = 0; j < fd; j++) centre[j] = this.#centres[o + j]!;
            const sd = c.faceNoise * this.#noiseMult[p]! * mult * faceSd;
            const shift = masked ? c.maskStrength : 0;
            gaussianInto(r, noiseF);
            for (let j = 0; j < fd; j++) v[j] = centre[j]! + sd * noiseF[j]! + shift * this.#maskDir[j]!;
            growFaces();
            storeUnit(v, faces, faceCount * fd);
            faceRow = firstFace + faceCount++;
            quality = Math.exp(-c.qualityDecay * (mult - 1)) + c.qualityJitter * r.normal();
            quality = Math.max(0, Math.min(1, quality));
          }
          if (c.body && !faceOnly) {
            const sd = c.bodyNoise * (1 + blur) * bodySd;
            const o = ci * bd;
            gaussianInto(r, noiseB);
            for (let j = 0; j < bd; j++) bv[j] = outfit[o + j]! + sd * noiseB[j]!;
            growBodies();
            storeUnit(bv, bodies!, bodyCount * bd);
            bodyRow = firstBody + bodyCount++;
          }
          const kind = bodyOnly
            ? "body_only"
            : unclear
            ? "unclear"
            : masked
            ? "masked"
            : profile
            ? "profile"
            : faceOnly && c.body
            ? "face_only"
            : "clear";
          records.push({
            asset,
            moment: m,
            time,
            lat: plat,
            lon: plon,
            identity: this.identityNames[p]!,
            attributes: this.identityAttributes[p]!,
            faceRow,
            bodyRow,
            faceQuality: quality,
            faceBox: bodyOnly ? null : faceBox,
            bodyBox: c.body && !faceOnly ? bodyBox : null,
            kind,
          });
          produced++;
        }
        if (falseDetection && produced < target) {
          // A false detection: near the shared junk direction, or a random vector; small box, low quality.
          if (r.bernoulli(c.junkShare)) {
            const sd = c.junkNoise * faceSd;
            gaussianInto(r, noiseF);
            for (let j = 0; j < fd; j++) v[j] = this.#junkDir[j]! + sd * noiseF[j]!;
          } else gaussianInto(r, v);
          growFaces();
          storeUnit(v, faces, faceCount * fd);
          const fw = 20 + 100 * r.float();
          records.push({
            asset,
            moment: m,
            time,
            lat: plat,
            lon: plon,
            identity: "",
            attributes: emptyAttrs,
            faceRow: firstFace + faceCount++,
            bodyRow: -1,
            faceQuality: Math.min(1, 0.02 + 0.45 * r.float() ** 2),
            faceBox: [
              Math.round(Math.max(0, Math.min(W - fw, (k + 0.2 + 0.6 * r.float()) * slotW - fw / 2))),
              Math.round(r.float() * (H - fw)),
              Math.round(fw),
              Math.round(fw),
            ],
            bodyBox: null,
            kind: "nonface",
          });
          produced++;
        }
      }
      if (records.length >= batchObservations || produced >= target) {
        yield {
          faces: faces.subarray(0, faceCount * fd),
          bodies: bodies ? bodies.subarray(0, bodyCount * bd) : null,
          firstFaceRow: firstFace,
          firstBodyRow: firstBody,
          records,
        };
        firstFace += faceCount;
        firstBody += bodyCount;
        faceCount = bodyCount = 0;
        records = [];
      }
    }
  }
}
