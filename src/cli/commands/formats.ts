import type { CliCommand } from '../command.ts';
import { JSON_OPTION, parse, printJson } from '../args.ts';
import { listFormats } from '../../core/ingest/registry.ts';

export const formatsCommand: CliCommand = {
  name: 'formats',
  summary: 'List the import formats this build reads, with the producers and versions each covers.',
  usage: 'formats [--json]',
  async run(argv, io) {
    const { values } = parse(argv, JSON_OPTION);
    const formats = listFormats();
    if (values.json) printJson(io, formats);
    else {
      for (const f of formats) io.out(`${f.id.padEnd(16)} ${f.label}\n${' '.repeat(17)}${f.producers.join(', ')}${f.extensions.length ? ` (${f.extensions.join(', ')})` : ''}\n`);
      io.out('\nAny of these may come gzip- or zlib-compressed, or inside a .zip archive (each member is imported).\n');
    }
    return 0;
  },
};
