/**
 * `pb`: the one PeopleBench command-line entry. It parses arguments and calls the modules; errors
 * become one line on stderr (exit 2 for usage, 1 for failures), never a stack trace.
 * @module
 */
import { UsageError } from "../base/errors.ts";
import { type Command, commandHelp, parseCommandArgs } from "./command.ts";
import { COMMANDS } from "./commands/mod.ts";

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    "pb: PeopleBench, a benchmark harness for recognising people in photo libraries",
    "",
    "Usage: deno task pb <command> [options]   (pb <command> --help for each)",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
  ].join("\n");
}

/** Runs the CLI with `argv` and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const cmd: Command | undefined = COMMANDS.find((c) => c.name === name);
  try {
    if (!cmd) throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(", ")})`);
    const args = parseCommandArgs(cmd, rest);
    if (args === "help") {
      console.log(commandHelp(cmd));
      return 0;
    }
    const code = await cmd.run(args);
    return typeof code === "number" ? code : 0;
  } catch (e) {
    const err = e as Error;
    const message = (err?.message ?? String(e)).split("\n")[0];
    console.error(`pb ${name}: error: ${message}`);
    if (Deno.env.get("PB_DEBUG")) console.error(err?.stack);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
