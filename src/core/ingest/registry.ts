import type { FormatSummary } from '../../shared/api.ts';
import { readers } from './formats/index.ts';
import type { Reader } from './reader.ts';

export class FormatError extends Error {
  override name = 'FormatError';
}

export function findFormat(id: string): Reader | undefined {
  return readers.find((r) => r.id === id);
}

/** A reader's confidence; a sniffer that throws on odd bytes simply does not claim the file. */
function confidenceOf(reader: Reader, head: Uint8Array, name: string): number {
  try {
    return reader.sniff(head, name);
  } catch {
    return 0;
  }
}

/** The reader most confident about this content; the file name is only a hint readers may use. */
export function detectFormat(head: Uint8Array, name: string, forced?: string): { reader: Reader; confidence: number } {
  if (forced) {
    const reader = findFormat(forced);
    if (!reader) throw new FormatError(`unknown format '${forced}' (known: ${readers.map((r) => r.id).join(', ')})`);
    return { reader, confidence: 1 };
  }
  let best: { reader: Reader; confidence: number } | null = null;
  for (const reader of readers) {
    const confidence = confidenceOf(reader, head, name);
    if (confidence > 0 && (!best || confidence > best.confidence)) best = { reader, confidence };
  }
  if (!best) throw new FormatError(`${name}: not a format Cartograph reads (see \`cartograph formats\`; --format forces one)`);
  return best;
}

/** Candidates in order of confidence, for the import dialog's "detected as … / read as" choice. */
export function rankFormats(head: Uint8Array, name: string): { id: string; label: string; confidence: number }[] {
  return readers
    .map((r) => ({ id: r.id, label: r.label, confidence: confidenceOf(r, head, name) }))
    .filter((c) => c.confidence > 0)
    .sort((a, b) => b.confidence - a.confidence);
}

export function listFormats(): FormatSummary[] {
  return readers.map((r) => ({ id: r.id, label: r.label, producers: [...r.producers], extensions: [...r.extensions] }));
}
