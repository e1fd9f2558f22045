/**
 * The registry of `pb` commands: one import and one entry per command, in help order.
 * @module
 */
import type { Command } from "../command.ts";
import { assignCommand } from "./assign.ts";
import { assignExperimentCommand } from "./assign_experiment.ts";
import { backendsCommand } from "./backends.ts";
import { benchCommand } from "./bench.ts";
import { clusterCommand } from "./cluster.ts";
import { demoCommand } from "./demo.ts";
import { embedCommand } from "./embed.ts";
import { gateCommand } from "./gate.ts";
import { generateCommand } from "./generate.ts";
import { libraryCommand } from "./library.ts";
import { metricsCommand } from "./metrics.ts";
import { reportCommand } from "./report.ts";
import { resultsCommand } from "./results.ts";
import { runCommand } from "./run.ts";
import { slurmCommand } from "./slurm.ts";
import { trainCommand } from "./train.ts";
import { variantsCommand } from "./variants.ts";

/** Every `pb` command, in the order `pb --help` lists them. */
export const COMMANDS: Command[] = [
  generateCommand,
  metricsCommand,
  embedCommand,
  clusterCommand,
  assignCommand,
  assignExperimentCommand,
  libraryCommand,
  backendsCommand,
  reportCommand,
  runCommand,
  slurmCommand,
  variantsCommand,
  trainCommand,
  resultsCommand,
  gateCommand,
  benchCommand,
  demoCommand,
];
