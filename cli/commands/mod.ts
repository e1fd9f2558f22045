/**
 * The registry of `pb` commands: one import and one entry per command, in help order.
 * @module
 */
import type { Command } from "../command.ts";
import { backendsCommand } from "./backends.ts";
import { embedCommand } from "./embed.ts";
import { generateCommand } from "./generate.ts";
import { metricsCommand } from "./metrics.ts";
import { reportCommand } from "./report.ts";

/** Every `pb` command, in the order `pb --help` lists them. */
export const COMMANDS: Command[] = [
  generateCommand,
  metricsCommand,
  embedCommand,
  backendsCommand,
  reportCommand,
];
