/**
 * `pb backends`: which ONNX Runtime execution providers run here, and why the others do not.
 * @module
 */
import { probeBackends, resolveBackend } from "../../pipeline/onnx/backends.ts";
import { type Command, flag } from "../command.ts";

/** The `pb backends` command. */
export const backendsCommand: Command = {
  name: "backends",
  summary: "list ONNX Runtime execution providers (cpu, cuda, coreml, webgpu) usable here, and why not",
  usage: "[--json]",
  description: "Each provider is checked statically (OS, devices, libraries) and then with a one-node probe model.\n" +
    "`--backend auto` picks the first usable provider in the order listed.",
  options: { json: { type: "boolean", help: "print JSON" } },
  async run(args) {
    const status = await probeBackends();
    const auto = await resolveBackend("auto");
    if (flag(args, "json")) {
      console.log(JSON.stringify({ auto, backends: status }, null, 2));
      return 0;
    }
    for (const s of status) {
      console.log(`${s.name.padEnd(7)} ${s.usable ? "usable" : "unavailable"}  ${s.usable ? "" : s.reason}`);
    }
    console.log(`auto → ${auto}`);
    return 0;
  },
};
