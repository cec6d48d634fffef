/**
 * One diff as every front door runs it (CLI, service): load the given spec, or the one the
 * workspace remembers; remember a newly given one (detection then judges by it too); diff.
 */
import type { Db } from '../../store/db.ts';
import type { DiffResult } from '../../../shared/api-spec.ts';
import { loadSpec, SpecError } from '../openapi/load.ts';
import { diffTraffic, type DiffOptions } from './diff.ts';
import { rememberedSpecSource, rememberSpecSource } from './remember.ts';

export class NoSpecError extends SpecError {
  constructor() {
    super('no published spec given, and none is remembered by this workspace');
  }
}

export async function diffWorkspace(db: Db, given: { name: string; text: string } | null, opts: DiffOptions = {}): Promise<DiffResult> {
  const source = given ?? rememberedSpecSource(db);
  if (!source) throw new NoSpecError();
  const loaded = await loadSpec(source.text, source.name);
  if (given) rememberSpecSource(db, loaded, given.text);
  return diffTraffic(db, loaded.spec, opts);
}
