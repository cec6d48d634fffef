import type { CliCommand } from '../command.ts';
import { importCommand } from './import.ts';
import { trafficCommand } from './traffic.ts';
import { formatsCommand } from './formats.ts';
import { detectCommand } from './detect.ts';
import { reportCommand } from './report.ts';
import { policyCommand } from './policy.ts';

/** Every `cartograph` command, in the order `--help` lists them. */
export const commands: readonly CliCommand[] = [importCommand, trafficCommand, formatsCommand, detectCommand, reportCommand, policyCommand];
