/**
 * The small interface every `pb` command implements, and strict argument parsing on `node:util`.
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "../base/errors.ts";

/** One option of a command, as `node:util` parseArgs wants it plus help text. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Help text; end with the default in brackets, e.g. "seed [1]". */
  help: string;
  /** Placeholder for the value in help, e.g. "DIR". */
  value?: string;
}

/** A `pb` sub-command. */
export interface Command {
  name: string;
  /** One line for `pb --help`. */
  summary: string;
  /** Usage line after `pb NAME`, e.g. "--data DIR [--json]". */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Whether positional arguments are accepted. */
  positionals?: boolean;
  /** Longer description printed by `--help`. */
  description?: string;
  run(args: ParsedArgs): Promise<number | void>;
}

/** Parsed option values and positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Formats `pb NAME --help`. */
export function commandHelp(cmd: Command): string {
  const lines = [`pb ${cmd.name} ${cmd.usage}`, "", cmd.summary];
  if (cmd.description) lines.push("", cmd.description);
  lines.push("", "Options:");
  const entries = Object.entries(cmd.options);
  const labels = entries.map(([k, o]) => `  --${k}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`);
  const width = Math.max(0, ...labels.map((l) => l.length)) + 2;
  entries.forEach(([, o], i) => lines.push(labels[i]!.padEnd(width) + o.help));
  lines.push("  --help".padEnd(width) + "show this help");
  return lines.join("\n");
}

/** Parses argv strictly: unknown options and missing values become a {@link UsageError}. */
export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [k, o] of Object.entries(cmd.options)) {
    options[k] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  try {
    const r = parseArgs({ args: argv, options, strict: true, allowPositionals: cmd.positionals ?? false });
    return { values: r.values as ParsedArgs["values"], positionals: r.positionals };
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0]!.replace(/\. To specify.*$/, "");
    throw new UsageError(`${msg} (see pb ${cmd.name} --help)`);
  }
}

/** Reads a string option; throws a {@link UsageError} when required and absent. */
export function str(args: ParsedArgs, key: string, fallback?: string): string {
  const v = args.values[key];
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`missing required option --${key}`);
  }
  return String(v);
}

/** Reads an optional string option. */
export function optStr(args: ParsedArgs, key: string): string | undefined {
  const v = args.values[key];
  return v === undefined ? undefined : String(v);
}

/** Reads a numeric option with bounds; a bad value is a {@link UsageError}. */
export function num(
  args: ParsedArgs,
  key: string,
  fallback: number | undefined,
  bounds: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const v = args.values[key];
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option --${key}`);
    return fallback;
  }
  const x = Number(v);
  if (String(v).trim() === "" || !Number.isFinite(x)) throw new UsageError(`--${key} must be a number, got "${v}"`);
  if (bounds.integer && !Number.isInteger(x)) throw new UsageError(`--${key} must be an integer, got "${v}"`);
  if (bounds.min !== undefined && x < bounds.min) throw new UsageError(`--${key} must be ≥ ${bounds.min}, got ${v}`);
  if (bounds.max !== undefined && x > bounds.max) throw new UsageError(`--${key} must be ≤ ${bounds.max}, got ${v}`);
  return x;
}

/** Reads an optional numeric option. */
export function optNum(
  args: ParsedArgs,
  key: string,
  bounds: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  return args.values[key] === undefined ? undefined : num(args, key, undefined, bounds);
}

/** Reads an enumerated option; a value outside `allowed` is a {@link UsageError}. */
export function choice<T extends string>(args: ParsedArgs, key: string, allowed: readonly T[], fallback?: T): T {
  const v = args.values[key];
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option --${key} (one of ${allowed.join(", ")})`);
    return fallback;
  }
  if (!allowed.includes(String(v) as T)) {
    throw new UsageError(`--${key} must be one of ${allowed.join(", ")}, got "${v}"`);
  }
  return String(v) as T;
}

/** Reads a boolean flag. */
export function flag(args: ParsedArgs, key: string): boolean {
  return args.values[key] === true;
}
