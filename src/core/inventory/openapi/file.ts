/** Reading a spec file from disk (CLI `--spec`, desktop paths, web uploads), bounded in size. */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { MAX_SPEC_BYTES, SpecError } from './load.ts';

export function readSpecFile(path: string, name: string = basename(path)): { name: string; text: string } {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new SpecError(`spec ${path} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new SpecError(`cannot read spec ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (size > MAX_SPEC_BYTES) throw new SpecError(`spec ${path} is larger than ${MAX_SPEC_BYTES} bytes`);
  const bytes = readFileSync(path);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\u0000')) throw new SpecError(`spec ${name} is binary, not YAML or JSON text`);
  return { name, text };
}
