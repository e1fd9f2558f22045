/**
 * Parameters of the synthetic photo-library generator: every knob, its default, its allowed range.
 *
 * The defaults are the `tiny` preset's scale (about 2,000 observations); {@link PRESETS} in
 * `presets.ts` changes only the scale (observations, identities, years). Embedding geometry:
 * every "noise" value is the expected Euclidean norm of an isotropic Gaussian added to a unit
 * centre before re-normalising, so the expected cosine between two noisy copies of one centre is
 * about 1 / (1 + noise²), whatever the dimension.
 *
 * @module
 */

/** Share of people and face-noise multiplier of one value of a subgroup attribute. */
export interface AttributeValueSpec {
  /** Relative frequency of this value among identities (normalised over the attribute's values). */
  share: number;
  /** Multiplies the face noise of every person with this value (1 = no effect); creates fairness gaps. */
  noise: number;
}

/** Moment types: everyday (at home), outing (day out), event (party), trip (days away). */
export const MOMENT_TYPES = ["everyday", "outing", "event", "trip"] as const;
/** One of {@link MOMENT_TYPES}. */
export type MomentType = typeof MOMENT_TYPES[number];

/** Every knob of the generator. Build one with {@link resolveConfig}; the defaults are {@link DEFAULT_CONFIG}. */
export interface GeneratorConfig {
  /** Dataset name written to dataset.json. */
  name: string;
  /** Seed of every random choice. */
  seed: number;
  /** Exact number of observations (rows of observations.csv) to produce. */
  observations: number;
  /** Number of distinct people (the least frequent ones may never appear). */
  identities: number;
  /** Exponent s of the Zipf law: person of rank r is chosen with weight (r + 1)^−s. */
  zipfExponent: number;
  /** First moment start, ISO 8601 (UTC). */
  startDate: string;
  /** Span of the library in years (moment starts are spread uniformly over it). */
  years: number;
  /** Face embedding length. */
  faceDim: number;
  /** Body embedding length. */
  bodyDim: number;
  /** Whether body.npy is produced (false: no body space, no body_only observations). */
  body: boolean;

  /** Relative frequency of moment types ({@link MOMENT_TYPES}). */
  momentMix: Record<MomentType, number>;
  /** Mean photos per moment by type (log-normal, σ = `photosSpread`). */
  photosPerMoment: Record<MomentType, number>;
  /** σ of the log-normal number of photos per moment (larger: heavier tail of big moments). */
  photosSpread: number;
  /** Mean number of distinct people present in a moment, by type (1 + Poisson). */
  castSize: Record<MomentType, number>;
  /** Mean number of extra people per photo beyond the first (Poisson; capped by the moment's cast). */
  extraPeoplePerPhoto: number;

  /** Home latitude in degrees (everyday moments happen here). */
  homeLat: number;
  /** Home longitude in degrees. */
  homeLon: number;
  /** Outings and events happen within this distance of home (km). */
  outingRadiusKm: number;
  /** Trips go up to this distance from home (km). */
  tripRadiusKm: number;
  /** Probability that a photo has no GPS position. */
  gpsMissingRate: number;
  /** Probability that a whole moment has no GPS (a camera without GPS). */
  momentNoGpsRate: number;
  /** Probability that a photo has no capture time (scans, stripped metadata). */
  timeMissingRate: number;

  /** Face noise of a clear frontal face (norm of the added Gaussian). */
  faceNoise: number;
  /** Probability that a face is seen in profile. */
  profileRate: number;
  /** Profile adds this much to the face-noise multiplier. */
  profileNoise: number;
  /** Probability of a badly blurred face (blur in 0.6..1; otherwise mild blur in 0..0.25). */
  unclearRate: number;
  /** Blur b in 0..1 adds b × this to the face-noise multiplier. */
  blurNoise: number;
  /** Probability that a face is partly occluded (occlusion in 0..1). */
  occlusionRate: number;
  /** Occlusion o in 0..1 adds o × this to the face-noise multiplier. */
  occlusionNoise: number;
  /** A face whose noise multiplier reaches this is of kind `unclear`. */
  unclearThreshold: number;
  /** face_quality = exp(−qualityDecay × (multiplier − 1)) + N(0, qualityJitter), clamped to 0..1. */
  qualityDecay: number;
  /** Standard deviation of the jitter on face_quality. */
  qualityJitter: number;

  /** Probability that a photo also contains a false face detection (`nonface`, no identity). */
  nonfaceRate: number;
  /** Share of false detections that lie near one shared "junk" direction (the rest are random vectors). */
  junkShare: number;
  /** Noise norm around the junk direction. */
  junkNoise: number;
  /** Probability that a person's face is not visible: only the body is detected (`body_only`). */
  bodyOnlyRate: number;
  /** Probability that a person's body is out of frame: only the face is detected (body_row −1). */
  faceOnlyRate: number;

  /** Probability that a new identity is a look-alike (sibling) of an earlier, frequent one. */
  lookalikeRate: number;
  /** Distance between a look-alike's centre and its sibling's (norm of the offset before normalising). */
  lookalikeDistance: number;
  /** A child's face centre moves by a vector of this norm over the library span. */
  childDrift: number;
  /** Weight of the shared direction of each attribute value in identity centres (people of one group look alike). */
  attributeCrowding: number;

  /** Probability that a moment is a "mask" moment (an epidemic winter, a carnival). */
  maskMomentRate: number;
  /** Probability that a face in a mask moment is masked. */
  maskRate: number;
  /** Norm of the shift shared by every masked face (the same direction for all). */
  maskStrength: number;
  /** A mask adds this to the face-noise multiplier. */
  maskNoise: number;

  /** Noise norm of a body embedding around the outfit of the moment. */
  bodyNoise: number;
  /** Probability that a person wears an outfit already worn in an earlier moment. */
  outfitRepeatRate: number;
  /** Weight of the person's own body shape in the body embedding (the outfit has weight 1). */
  bodyShapeWeight: number;

  /** Photo size in pixels (landscape; a third of photos are portrait), for the boxes. */
  photoWidth: number;
  /** Photo height in pixels. */
  photoHeight: number;

  /** Subgroup attributes: name → value → share and face-noise multiplier (columns of observations.csv). */
  attributes: Record<string, Record<string, AttributeValueSpec>>;
}

/** Defaults of every knob (the `tiny` scale). */
export const DEFAULT_CONFIG: Readonly<GeneratorConfig> = Object.freeze({
  name: "synthetic",
  seed: 1,
  observations: 2000,
  identities: 60,
  zipfExponent: 1.1,
  startDate: "2016-01-01T00:00:00Z",
  years: 3,
  faceDim: 128,
  bodyDim: 128,
  body: true,

  momentMix: { everyday: 0.3, outing: 0.4, event: 0.15, trip: 0.15 },
  photosPerMoment: { everyday: 2, outing: 8, event: 20, trip: 30 },
  photosSpread: 0.7,
  castSize: { everyday: 1.5, outing: 2.5, event: 8, trip: 3 },
  extraPeoplePerPhoto: 0.6,

  homeLat: 37.7749,
  homeLon: -122.4194,
  outingRadiusKm: 40,
  tripRadiusKm: 2500,
  gpsMissingRate: 0.1,
  momentNoGpsRate: 0.1,
  timeMissingRate: 0.02,

  faceNoise: 0.55,
  profileRate: 0.15,
  profileNoise: 0.8,
  unclearRate: 0.08,
  blurNoise: 2.5,
  occlusionRate: 0.08,
  occlusionNoise: 1.5,
  unclearThreshold: 2.2,
  qualityDecay: 0.7,
  qualityJitter: 0.05,

  nonfaceRate: 0.05,
  junkShare: 0.5,
  junkNoise: 0.6,
  bodyOnlyRate: 0.08,
  faceOnlyRate: 0.1,

  lookalikeRate: 0.06,
  lookalikeDistance: 0.55,
  childDrift: 0.9,
  attributeCrowding: 0.3,

  maskMomentRate: 0.05,
  maskRate: 0.7,
  maskStrength: 0.8,
  maskNoise: 0.3,

  bodyNoise: 0.35,
  outfitRepeatRate: 0.1,
  bodyShapeWeight: 0.35,

  photoWidth: 4032,
  photoHeight: 3024,

  attributes: {
    gender: { female: { share: 0.5, noise: 1.08 }, male: { share: 0.5, noise: 1.0 } },
    age_group: {
      child: { share: 0.15, noise: 1.2 },
      adult: { share: 0.7, noise: 1.0 },
      senior: { share: 0.15, noise: 1.1 },
    },
    skin_tone: {
      light: { share: 0.5, noise: 1.0 },
      medium: { share: 0.3, noise: 1.1 },
      dark: { share: 0.2, noise: 1.3 },
    },
  },
}) as GeneratorConfig;

/** The `age_group` value whose face centre drifts with time. */
export const CHILD_VALUE = "child";

/** Name of the extra attribute column marking look-alikes (`yes`/`no`). */
export const LOOKALIKE_ATTRIBUTE = "lookalike";

/** Bounds of one numeric knob. */
export interface KnobBounds {
  min: number;
  max: number;
  integer?: boolean;
}

const RATE: KnobBounds = { min: 0, max: 1 };
const NOISE: KnobBounds = { min: 0, max: 100 };
type Knob = keyof GeneratorConfig;

/** Probabilities and shares (0..1). */
const RATE_KNOBS = [
  "gpsMissingRate",
  "momentNoGpsRate",
  "timeMissingRate",
  "profileRate",
  "unclearRate",
  "occlusionRate",
  "qualityJitter",
  "nonfaceRate",
  "junkShare",
  "bodyOnlyRate",
  "faceOnlyRate",
  "lookalikeRate",
  "maskMomentRate",
  "maskRate",
  "outfitRepeatRate",
] as const satisfies readonly Knob[];

/** Noise norms, distances and weights in embedding space (0..100; see the module's embedding geometry). */
const NOISE_KNOBS = [
  "faceNoise",
  "profileNoise",
  "blurNoise",
  "occlusionNoise",
  "qualityDecay",
  "junkNoise",
  "lookalikeDistance",
  "childDrift",
  "attributeCrowding",
  "maskStrength",
  "maskNoise",
  "bodyNoise",
  "bodyShapeWeight",
] as const satisfies readonly Knob[];

/** The same bounds for a list of knob paths. */
function sameBounds(paths: readonly string[], bounds: KnobBounds): Record<string, KnobBounds> {
  return Object.fromEntries(paths.map((path) => [path, bounds]));
}

/** The knobs of a group with one value per moment type (`momentMix.everyday`, …). */
function perMomentType(group: Knob, bounds: KnobBounds): Record<string, KnobBounds> {
  return sameBounds(MOMENT_TYPES.map((type) => `${group}.${type}`), bounds);
}

/** Allowed range of every numeric knob, by dotted path (also the list of knobs `--set` accepts). */
export const KNOB_BOUNDS: Readonly<Record<string, KnobBounds>> = Object.freeze({
  seed: { min: 0, max: 4294967295, integer: true },
  observations: { min: 1, max: 50_000_000, integer: true },
  identities: { min: 1, max: 10_000_000, integer: true },
  zipfExponent: { min: 0, max: 10 },
  years: { min: 0.001, max: 200 },
  faceDim: { min: 2, max: 8192, integer: true },
  bodyDim: { min: 2, max: 8192, integer: true },
  ...perMomentType("momentMix", { min: 0, max: 1e6 }),
  ...perMomentType("photosPerMoment", { min: 1, max: 1e5 }),
  photosSpread: { min: 0, max: 3 },
  ...perMomentType("castSize", { min: 1, max: 1e4 }),
  extraPeoplePerPhoto: { min: 0, max: 100 },
  homeLat: { min: -89, max: 89 },
  homeLon: { min: -180, max: 180 },
  outingRadiusKm: { min: 0, max: 20000 },
  tripRadiusKm: { min: 0, max: 20000 },
  unclearThreshold: { min: 1, max: 1000 },
  photoWidth: { min: 16, max: 100000, integer: true },
  photoHeight: { min: 16, max: 100000, integer: true },
  ...sameBounds(RATE_KNOBS, RATE),
  ...sameBounds(NOISE_KNOBS, NOISE),
});

/** A partial configuration: any subset of knobs, nested objects merged key by key. */
export type GeneratorOverrides =
  & Partial<Omit<GeneratorConfig, "momentMix" | "photosPerMoment" | "castSize" | "attributes">>
  & {
    momentMix?: Partial<GeneratorConfig["momentMix"]>;
    photosPerMoment?: Partial<GeneratorConfig["photosPerMoment"]>;
    castSize?: Partial<GeneratorConfig["castSize"]>;
    attributes?: Record<string, Record<string, AttributeValueSpec>>;
  };

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Merges overrides into the defaults and validates every knob.
 *
 * Overrides apply in order (e.g. a preset, then command-line values); nested groups merge key by
 * key, except `attributes`, which replaces the whole table when given (so a group can be removed).
 *
 * @param overrides partial configurations, applied left to right over {@link DEFAULT_CONFIG}
 * @returns a complete, validated configuration (a fresh object)
 * @throws {RangeError} when a value is outside its range, naming the knob and the allowed range
 * @throws {TypeError} when a value has the wrong type or a knob is unknown
 * @example
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const c = resolveConfig({ observations: 500, identities: 20 });
 * if (c.faceDim !== 128) throw new Error("default face dim is 128");
 * ```
 */
export function resolveConfig(...overrides: GeneratorOverrides[]): GeneratorConfig {
  const out = clone(DEFAULT_CONFIG) as unknown as Record<string, unknown>;
  for (const o of overrides) {
    for (const [key, value] of Object.entries(o)) {
      if (value === undefined) continue;
      if (!(key in out)) throw new TypeError(`Unknown generator option "${key}"`);
      const current = out[key];
      if (key === "attributes") out[key] = clone(value);
      else if (typeof current === "object" && current !== null) {
        if (typeof value !== "object" || value === null) {
          throw new TypeError(`Generator option "${key}" must be an object`);
        }
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (!(k in current)) throw new TypeError(`Unknown generator option "${key}.${k}"`);
          if (v !== undefined) (current as Record<string, unknown>)[k] = v;
        }
      } else out[key] = value;
    }
  }
  validateConfig(out as unknown as GeneratorConfig);
  return out as unknown as GeneratorConfig;
}

/**
 * Checks every knob of a configuration.
 * @param config the configuration to check
 * @throws {RangeError} naming the first knob out of range
 * @throws {TypeError} on a wrong type
 */
export function validateConfig(config: GeneratorConfig): void {
  const c = config as unknown as Record<string, unknown>;
  for (const [path, b] of Object.entries(KNOB_BOUNDS)) {
    const v = getPath(c, path);
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new TypeError(`Generator option ${path} must be a finite number, got ${JSON.stringify(v)}`);
    }
    if (b.integer && !Number.isInteger(v)) {
      throw new RangeError(`Generator option ${path} must be an integer, got ${v}`);
    }
    if (v < b.min || v > b.max) {
      throw new RangeError(`Generator option ${path} must be in ${b.min}..${b.max}, got ${v}`);
    }
  }
  if (typeof config.name !== "string" || config.name === "") {
    throw new TypeError("Generator option name must be a non-empty string");
  }
  if (typeof config.body !== "boolean") throw new TypeError("Generator option body must be true or false");
  if (typeof config.startDate !== "string" || Number.isNaN(Date.parse(config.startDate))) {
    throw new RangeError(
      `Generator option startDate must be an ISO 8601 date, got ${JSON.stringify(config.startDate)}`,
    );
  }
  const mix = config.momentMix;
  if (mix.everyday + mix.outing + mix.event + mix.trip <= 0) {
    throw new RangeError("Generator option momentMix must not be all zero");
  }
  if (config.bodyOnlyRate + config.faceOnlyRate > 1) {
    throw new RangeError("Generator options bodyOnlyRate + faceOnlyRate must not exceed 1");
  }
  if (typeof config.attributes !== "object" || config.attributes === null) {
    throw new TypeError("Generator option attributes must be an object");
  }
  for (const [name, values] of Object.entries(config.attributes)) {
    if (!/^[a-z][a-z0-9_]*$/.test(name) || name === LOOKALIKE_ATTRIBUTE) {
      throw new RangeError(`Attribute name "${name}" must be snake_case and not "${LOOKALIKE_ATTRIBUTE}"`);
    }
    const entries = Object.entries(values ?? {});
    if (entries.length === 0) throw new RangeError(`Attribute ${name} needs at least one value`);
    let total = 0;
    for (const [value, spec] of entries) {
      if (value === "" || /[",\n\r]/.test(value)) {
        throw new RangeError(`Attribute ${name} has an unusable value ${JSON.stringify(value)}`);
      }
      if (typeof spec?.share !== "number" || !(spec.share >= 0) || !Number.isFinite(spec.share)) {
        throw new RangeError(`Attribute ${name}.${value}.share must be a number ≥ 0`);
      }
      if (typeof spec.noise !== "number" || !(spec.noise > 0) || !(spec.noise <= 100)) {
        throw new RangeError(`Attribute ${name}.${value}.noise must be in (0, 100]`);
      }
      total += spec.share;
    }
    if (total <= 0) throw new RangeError(`Attribute ${name}: shares must not be all zero`);
  }
}

/**
 * Sets one knob from text, as `--set path=value` gives it (numbers, true/false, strings; dotted paths
 * reach nested knobs, e.g. `momentMix.trip=0.3` or `attributes.skin_tone.dark.noise=1.5`).
 *
 * @param overrides the overrides object to update (mutated)
 * @param assignment `path=value`
 * @throws {TypeError} when the assignment is malformed or the knob unknown
 */
export function applyAssignment(overrides: GeneratorOverrides, assignment: string): void {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw new TypeError(`Expected path=value, got "${assignment}"`);
  const path = assignment.slice(0, eq).trim();
  const text = assignment.slice(eq + 1).trim();
  const parts = path.split(".");
  const top = parts[0]!;
  if (!(top in DEFAULT_CONFIG)) throw new TypeError(`Unknown generator option "${top}"`);
  const def = getPath(DEFAULT_CONFIG as unknown as Record<string, unknown>, path);
  let value: unknown;
  if (typeof def === "string" || top === "name" || top === "startDate") value = text;
  else if (text === "true" || text === "false") value = text === "true";
  else {
    value = Number(text);
    if (text === "" || !Number.isFinite(value)) {
      throw new TypeError(`Generator option ${path} needs a number, got "${text}"`);
    }
  }
  if (top === "attributes") {
    // Edit a copy of the current attribute table, since `attributes` replaces as a whole.
    const table = clone(overrides.attributes ?? DEFAULT_CONFIG.attributes) as unknown as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    if (parts.length !== 4 || (parts[3] !== "share" && parts[3] !== "noise")) {
      throw new TypeError(`Attribute knobs are attributes.NAME.VALUE.share|noise, got "${path}"`);
    }
    const group = (table[parts[1]!] ??= {});
    const spec = (group[parts[2]!] ??= { share: 0, noise: 1 });
    spec[parts[3]!] = value;
    overrides.attributes = table as unknown as GeneratorConfig["attributes"];
    return;
  }
  if (parts.length === 1) {
    if (typeof def === "object") throw new TypeError(`Generator option ${path} is a group; set ${path}.KEY`);
    (overrides as Record<string, unknown>)[top] = value;
  } else if (parts.length === 2 && def !== undefined) {
    const o = overrides as Record<string, Record<string, unknown>>;
    (o[top] ??= {})[parts[1]!] = value;
  } else throw new TypeError(`Unknown generator option "${path}"`);
}
