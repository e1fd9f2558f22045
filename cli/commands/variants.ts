/**
 * `pb variants`: lists every registered variant with its parameters and defaults.
 * @module
 */
import { listVariants } from "../../benchmarks/variants/registry.ts";
import type { ParamSpec } from "../../benchmarks/variants/types.ts";
import { type Command, flag } from "../command.ts";

function range(p: ParamSpec): string {
  if (p.kind === "enum") return p.values!.join(" | ");
  if (p.kind === "int" || p.kind === "float") return `${p.kind} ${p.min ?? "-∞"}..${p.max ?? "∞"}`;
  return p.kind;
}

/** `pb variants`. */
export const variantsCommand: Command = {
  name: "variants",
  summary: "list the benchmark variants by stage, with parameters and defaults",
  usage: "[--json]",
  options: { json: { type: "boolean", help: "machine-readable output" } },
  run(args) {
    const variants = listVariants();
    if (flag(args, "json")) {
      console.log(JSON.stringify(
        variants.map((v) => ({ id: v.id, stage: v.stage, summary: v.summary, params: v.params })),
        null,
        2,
      ));
      return Promise.resolve(0);
    }
    const lines: string[] = [];
    for (const v of variants) {
      lines.push(`${v.stage}/${v.id}  —  ${v.summary}`);
      const entries = Object.entries(v.params);
      const w = Math.max(0, ...entries.map(([k]) => k.length));
      for (const [k, p] of entries) {
        lines.push(
          `    ${k.padEnd(w)}  default ${JSON.stringify(p.default).padEnd(12)} ${range(p).padEnd(24)} ${p.help}`,
        );
      }
      lines.push("");
    }
    console.log(lines.join("\n").trimEnd());
    return Promise.resolve(0);
  },
};
