/**
 * `pb generate`: writes a synthetic photo library (dataset format v1).
 * @module
 */
import { UsageError } from "../../base/errors.ts";
import {
  applyAssignment,
  generateLibrary,
  type GeneratorOverrides,
  PRESET_NAMES,
  PRESETS,
  resolveConfig,
} from "../../datasets/synthetic/mod.ts";
import { choice, type Command, flag, optNum, optStr, str } from "../command.ts";
import { dedent } from "../help.ts";

/** The `pb generate` command. */
export const generateCommand: Command = {
  name: "generate",
  summary: "write a synthetic photo library (seeded, deterministic) as a dataset folder",
  usage: "--out DIR [--preset tiny|small|medium|large] [--seed N] [options]",
  description: dedent`
    Simulates what makes real libraries hard: Zipf-distributed people, multi-person photos, moments
    (bursts close in time and place) with one outfit per person per moment, profile/unclear/masked faces,
    false detections, body-only and face-only observations, look-alike siblings, children who change
    over time, and subgroups with different noise levels. Same seed and options: byte-identical files.
    Presets: tiny ≈ 2k observations, small ≈ 20k, medium ≈ 100k, large ≈ 1M (streamed to disk).
    Any knob can be set with --set PATH=VALUE (repeatable), e.g. --set profileRate=0.3
    --set momentMix.trip=0.5 --set attributes.skin_tone.dark.noise=1.5; every knob and its default
    is recorded in dataset.json → source.parameters.
  `,
  options: {
    out: { type: "string", value: "DIR", help: "output folder (created; an existing dataset there is replaced)" },
    preset: { type: "string", value: "NAME", help: `scale: ${PRESET_NAMES.join(", ")} [tiny]` },
    seed: { type: "string", value: "N", help: "seed, 0..4294967295 [1]" },
    name: { type: "string", value: "NAME", help: "dataset name [synthetic-PRESET]" },
    observations: { type: "string", value: "N", help: "number of observations [from the preset]" },
    identities: { type: "string", value: "N", help: "number of people [from the preset]" },
    years: { type: "string", value: "Y", help: "library span in years [from the preset]" },
    "face-dim": { type: "string", value: "D", help: "face embedding length [128]" },
    "body-dim": { type: "string", value: "D", help: "body embedding length [128]" },
    "no-body": { type: "boolean", help: "no body embeddings (no body.npy, no body_only observations)" },
    zipf: { type: "string", value: "S", help: "Zipf exponent of person frequencies [1.1]" },
    "face-noise": { type: "string", value: "X", help: "face noise of a clear frontal face [0.55]" },
    set: { type: "string", multiple: true, value: "PATH=VALUE", help: "set any generator knob (repeatable)" },
    json: { type: "boolean", help: "print the summary as JSON" },
  },
  async run(args) {
    const out = str(args, "out");
    const preset = choice(args, "preset", PRESET_NAMES, "tiny");
    const overrides: GeneratorOverrides = {
      seed: optNum(args, "seed", { min: 0, max: 4294967295, integer: true }),
      name: optStr(args, "name"),
      observations: optNum(args, "observations", { min: 1, integer: true }),
      identities: optNum(args, "identities", { min: 1, integer: true }),
      years: optNum(args, "years", { min: 0.001 }),
      faceDim: optNum(args, "face-dim", { min: 2, integer: true }),
      bodyDim: optNum(args, "body-dim", { min: 2, integer: true }),
      body: flag(args, "no-body") ? false : undefined,
      zipfExponent: optNum(args, "zipf", { min: 0 }),
      faceNoise: optNum(args, "face-noise", { min: 0 }),
    };
    let config;
    try {
      for (const a of (args.values.set as string[] | undefined) ?? []) applyAssignment(overrides, a);
      config = resolveConfig(PRESETS[preset], overrides);
    } catch (e) {
      if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
      throw e;
    }
    const progress = Deno.stderr.isTerminal() && config.observations >= 100_000;
    const enc = new TextEncoder();
    const summary = await generateLibrary(config, out, {
      onProgress: progress
        ? (done, total) => Deno.stderr.writeSync(enc.encode(`\rgenerating: ${done}/${total}`))
        : undefined,
    });
    if (progress) Deno.stderr.writeSync(enc.encode("\n"));
    const c = summary.manifest.counts;
    if (flag(args, "json")) {
      console.log(JSON.stringify({ out, counts: c, kinds: summary.kinds, seconds: summary.seconds }));
      return 0;
    }
    console.log(
      `wrote ${out}: ${c.observations} observations in ${c.assets} photos, ${c.moments} moments, ` +
        `${c.identities} people; ${c.faces} faces, ${c.bodies} bodies; ${summary.seconds.toFixed(1)} s`,
    );
    console.log(`kinds: ${Object.entries(summary.kinds).map(([k, n]) => `${k} ${n}`).join(", ")}`);
    return 0;
  },
};
