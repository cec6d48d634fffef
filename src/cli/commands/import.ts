import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { CliCommand, CliIO } from '../command.ts';
import { UsageError } from '../command.ts';
import { DB_OPTION, JSON_OPTION, dbPath, openCliWorkspace, parse, printJson } from '../args.ts';
import { importPath } from '../../core/ingest/import.ts';
import { findFormat } from '../../core/ingest/registry.ts';
import { ReadError } from '../../core/ingest/reader.ts';
import { readHeadSync, withSavedMapping } from '../../core/ingest/formats/logs/mappings.ts';
import type { FileImportResult } from '../../shared/api.ts';

const options = {
  ...DB_OPTION,
  ...JSON_OPTION,
  format: { type: 'string' },
  'log-format': { type: 'string' },
  mapping: { type: 'string' },
} as const;

function progressLine(io: CliIO, file: string): (p: { phase: string; bytesDone: number; bytesTotal: number | null; entries: number }) => void {
  const started = performance.now();
  let last = 0;
  let phase = 'importing';
  return (p) => {
    const now = performance.now();
    if (now - last < 250 && p.phase === phase) return;
    last = now;
    phase = p.phase;
    const pct = p.bytesTotal ? ` ${Math.min(100, Math.floor((100 * p.bytesDone) / p.bytesTotal))}%` : '';
    const rate = Math.round(p.entries / Math.max(0.001, (now - started) / 1000));
    const indexing = p.phase === 'indexing' ? ', building sort indexes…' : '';
    io.err(`${io.isTTY ? '\r\x1b[2K' : ''}${file}:${pct} ${p.entries} entries, ${rate}/s${indexing}${io.isTTY ? '' : '\n'}`);
  };
}

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'Stream capture and log files into the workspace (format detected from content).',
  usage: 'import FILE… [--format F] [--log-format FORMAT] [--mapping JSON] [--db FILE] [--json]',
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, true);
    if (positionals.length === 0) throw new UsageError('import needs at least one FILE');
    if (values.format !== undefined && !findFormat(values.format)) throw new UsageError(`unknown format '${values.format}' (see cartograph formats)`);
    const files = positionals.map((p) => resolve(io.cwd, p));
    for (const f of files) {
      if (!existsSync(f)) throw new UsageError(`no such file: ${f}`);
      if (!statSync(f).isFile()) throw new UsageError(`not a file: ${f}`);
    }
    const db = openCliWorkspace(dbPath(values, io), true);
    const results: FileImportResult[] = [];
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.once('SIGINT', onSigint);
    try {
      for (const path of files) {
        const name = basename(path);
        const given = { ...(values['log-format'] ? { logFormat: values['log-format'] } : {}), ...(values.mapping ? { mapping: values.mapping } : {}) };
        let use: ReturnType<typeof withSavedMapping>;
        try {
          // The JSON-lines field mapping given is saved in the workspace; without one, the saved one applies.
          use = withSavedMapping(db, [readHeadSync(path)], values.format, given);
        } catch (err) {
          if (err instanceof ReadError) throw new UsageError(err.message);
          throw err;
        }
        const fileResults = await importPath(db, { path, name }, {
          format: use.format,
          options: use.options && Object.keys(use.options).length > 0 ? use.options : undefined,
          signal: abort.signal,
          onProgress: progressLine(io, name),
        });
        if (io.isTTY) io.err('\r\x1b[2K');
        for (const result of fileResults) {
          results.push(result);
          if (!values.json) {
            const what = result.duplicate ? 'already imported, nothing added' : `${result.imported} imported, ${result.skipped} skipped`;
            io.out(`${result.file}: ${result.format}: ${what} in ${result.seconds.toFixed(2)} s\n`);
            for (const e of result.errors.slice(0, 20)) io.out(`  ${e.at}: ${e.message}\n`);
            if (result.errors.length > 20) io.out(`  … ${result.errors.length - 20} more\n`);
          }
          if (result.fatal) io.err(`cartograph import: ${result.file}: ${result.fatal}\n`);
        }
        if (abort.signal.aborted) break;
      }
    } finally {
      process.off('SIGINT', onSigint);
      db.close();
    }
    if (values.json) {
      printJson(io, {
        files: results.map((r) => ({ file: r.file, format: r.format, imported: r.imported, skipped: r.skipped, errors: r.errors, seconds: r.seconds, duplicate: r.duplicate, fatal: r.fatal })),
      });
    }
    return results.some((r) => r.fatal) || abort.signal.aborted ? 2 : 0;
  },
};
