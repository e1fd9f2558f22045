/**
 * `pb backends`: which backends (runtime and execution provider) run here, and why the others do not.
 * @module
 */
import { describeAdapter, probeBackends, resolveBackend } from "../../pipeline/onnx/backends.ts";
import { type Command, flag } from "../command.ts";
import { dedent } from "../help.ts";

/** The `pb backends` command. */
export const backendsCommand: Command = {
  name: "backends",
  summary: "list backends (ort-node:cpu, ort-web:wasm, ort-web:webgpu, cuda, coreml) usable here, and why not",
  usage: "[--json]",
  description: dedent`
    Each backend is probed separately: a static check (OS, devices, libraries, the WebGPU adapter),
    then a one-node probe model on it. For WebGPU the adapter's vendor, architecture and whether it is a
    software/fallback adapter are shown. \`--backend auto\` picks the first usable of ort-node:cuda,
    ort-node:coreml, ort-web:webgpu on a hardware adapter, then ort-node:cpu.
  `,
  options: { json: { type: "boolean", help: "print JSON" } },
  async run(args) {
    const status = await probeBackends();
    const auto = await resolveBackend("auto");
    if (flag(args, "json")) {
      console.log(JSON.stringify({ auto, backends: status }, null, 2));
      return 0;
    }
    const width = Math.max(...status.map((s) => s.name.length));
    for (const s of status) {
      const alias = s.aliases.length ? ` (${s.aliases.join(", ")})` : "";
      const what = s.usable ? "usable     " : "unavailable";
      const note = s.usable ? (s.adapter ? describeAdapter(s.adapter) : "") : s.reason;
      console.log(`${(s.name + alias).padEnd(width + 10)} ${what}  ${note}`);
      if (!s.usable && s.adapter) console.log(`${"".padEnd(width + 10)} adapter: ${describeAdapter(s.adapter)}`);
    }
    console.log(`auto → ${auto}`);
    return 0;
  },
};
