/**
 * The variant registry: an explicit map from id to {@link Variant}. Built-in variants are registered here
 * (one line each); spec `plugins` modules may register more with {@link registerVariant}.
 * @module
 */
import type { ParamValue } from "../results/schema.ts";
import type { ParamSpec, Stage, Variant } from "./types.ts";
import { BUILTIN_VARIANTS } from "./builtin/mod.ts";

const REGISTRY = new Map<string, Variant>();

/**
 * Adds a variant to the registry.
 * @param variant the implementation
 * @throws {Error} when the id is already taken or a parameter default is invalid
 */
export function registerVariant(variant: Variant): void {
  if (!/^[a-z0-9]+(-[a-z0-9.]+)*$/.test(variant.id)) {
    throw new Error(`Variant id must be kebab-case, got "${variant.id}"`);
  }
  if (REGISTRY.has(variant.id)) throw new Error(`Variant "${variant.id}" is already registered`);
  for (const [k, spec] of Object.entries(variant.params)) {
    const problem = checkParam(spec, spec.default);
    if (problem) throw new Error(`Variant "${variant.id}": default of "${k}" ${problem}`);
  }
  REGISTRY.set(variant.id, variant as Variant);
}

/**
 * Looks a variant up.
 * @param id variant id
 * @returns the variant, or undefined
 */
export function getVariant(id: string): Variant | undefined {
  return REGISTRY.get(id);
}

/** All registered variants, sorted by stage then id. */
export function listVariants(): Variant[] {
  return [...REGISTRY.values()].sort((a, b) => a.stage.localeCompare(b.stage) || a.id.localeCompare(b.id));
}

/** Ids of the variants of one stage. */
export function variantIds(stage?: Stage): string[] {
  return listVariants().filter((v) => !stage || v.stage === stage).map((v) => v.id);
}

/**
 * Checks one value against its declaration.
 * @returns a problem phrase ("must be ≥ 0, got -1") or null when valid
 */
export function checkParam(spec: ParamSpec, value: ParamValue): string | null {
  switch (spec.kind) {
    case "int":
    case "float":
      if (spec.auto && value === "auto") return null;
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return `must be a number${spec.auto ? ' or "auto"' : ""}, got ${JSON.stringify(value)}`;
      }
      if (spec.kind === "int" && !Number.isInteger(value)) return `must be an integer, got ${value}`;
      if (spec.min !== undefined && value < spec.min) return `must be ≥ ${spec.min}, got ${value}`;
      if (spec.max !== undefined && value > spec.max) return `must be ≤ ${spec.max}, got ${value}`;
      return null;
    case "enum":
      if (typeof value !== "string" || !spec.values?.includes(value)) {
        return `must be one of ${spec.values?.join(", ")}, got ${JSON.stringify(value)}`;
      }
      return null;
    case "bool":
      return typeof value === "boolean" ? null : `must be true or false, got ${JSON.stringify(value)}`;
    case "string":
      return typeof value === "string" ? null : `must be a string, got ${JSON.stringify(value)}`;
  }
}

/**
 * Fills defaults and validates a variant's parameters.
 * @param variant the variant
 * @param given parameter values from the spec (one grid point)
 * @returns every parameter, in declaration order
 * @throws {RangeError} "param NAME: problem" for an unknown parameter or an invalid value
 */
export function resolveParams(variant: Variant, given: Record<string, ParamValue>): Record<string, ParamValue> {
  for (const k of Object.keys(given)) {
    if (!(k in variant.params)) {
      throw new RangeError(
        `unknown parameter "${k}" of variant "${variant.id}" (has ${Object.keys(variant.params).join(", ") || "none"})`,
      );
    }
  }
  const out: Record<string, ParamValue> = {};
  for (const [k, spec] of Object.entries(variant.params)) {
    const v = k in given ? given[k]! : spec.default;
    const problem = checkParam(spec, v);
    if (problem) throw new RangeError(`parameter "${k}" ${problem}`);
    out[k] = v;
  }
  const problem = variant.check?.(out);
  if (problem) throw new RangeError(problem);
  return out;
}

/**
 * Imports plugin modules that register extra variants (each calls {@link registerVariant} on import or
 * exports `variants: Variant[]`).
 * @param urls absolute file URLs or paths
 */
export async function loadPlugins(urls: readonly string[]): Promise<void> {
  for (const url of urls) {
    const href = url.startsWith("file:") ? url : new URL(`file://${url}`).href;
    const mod = await import(href);
    if (Array.isArray(mod.variants)) {
      for (const v of mod.variants as Variant[]) if (REGISTRY.get(v.id) !== v) registerVariant(v);
    }
  }
}

for (const v of BUILTIN_VARIANTS) registerVariant(v);
