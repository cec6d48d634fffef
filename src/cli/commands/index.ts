import type { CliCommand } from '../command.ts';
import { importCommand } from './import.ts';
import { trafficCommand } from './traffic.ts';
import { formatsCommand } from './formats.ts';
import { detectCommand } from './detect.ts';
import { reportCommand } from './report.ts';
import { policyCommand } from './policy.ts';
import { graphCommand } from './graph.ts';
import { replayCommand } from './replay.ts';
import { scopeCommand } from './scope.ts';
import { exportCommand } from './export.ts';
import { diffCommand } from './diff.ts';
import { specCommand } from './spec.ts';
import { inventoryCommand } from './inventory.ts';

/** Every `cartograph` command, in the order `--help` lists them. */
export const commands: readonly CliCommand[] = [importCommand, trafficCommand, formatsCommand, inventoryCommand, detectCommand, reportCommand, policyCommand, graphCommand, replayCommand, scopeCommand, exportCommand, specCommand, diffCommand];
