/**
 * Zip inputs: a zip of captures (HAR files, logs, flow dumps…) is opened transparently and each
 * member imported as if it were a file of its own, like a .gz. Zip-shaped formats (Fiddler .saz)
 * are left to their reader. Bombs are capped three ways: the member count, each member's declared
 * expansion over its compressed size, and the archive's total declared size; yauzl checks that a
 * member's actual bytes match its declared size, so a lying header ends in an error, not a flood.
 */
import * as yauzl from 'yauzl';
import type { Readable } from 'node:stream';
import { MAX_EXPANSION, MIN_BOMB_BYTES, openSource } from './open.ts';
import type { OpenedInput } from './open.ts';

export const MAX_ZIP_MEMBERS = 10_000;

export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 0x03 && head[3] === 0x04) || (head[2] === 0x05 && head[3] === 0x06));
}

/**
 * Zip-shaped capture formats, read whole by their reader rather than expanded: a Fiddler .saz
 * keeps its sessions as raw/NN_c.txt, raw/NN_s.txt, raw/NN_m.xml at the archive's root.
 */
export function isZipShapedCapture(memberNames: readonly string[]): boolean {
  return memberNames.some((n) => /^raw\/0*\d+_c\.txt$/i.test(n));
}

export interface ZipMember {
  /** Path inside the archive. */
  readonly name: string;
  readonly compressedSize: number;
  readonly size: number;
  /** Why this member is not imported (directory, encrypted, bomb…), or null. */
  readonly refused: string | null;
}

export interface OpenedZip {
  readonly members: readonly ZipMember[];
  /** Opens one member like a file: transparent gzip inside, head for sniffing, bounded. */
  open(member: ZipMember, displayName: string): Promise<OpenedInput>;
  close(): void;
}

/** Finder/OS metadata that travels inside zips but is never a capture. */
const NOISE = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)/i;

function refusal(entry: yauzl.Entry, totalLeft: number): string | null {
  if (entry.isEncrypted()) return 'encrypted member (zip passwords are not supported)';
  const cap = Math.max(MIN_BOMB_BYTES, entry.compressedSize * MAX_EXPANSION);
  if (entry.uncompressedSize > cap) return `declares ${entry.uncompressedSize} bytes from ${entry.compressedSize}: refusing a likely zip bomb`;
  if (entry.uncompressedSize > totalLeft) return 'the archive decompresses to far more than its size: refusing a likely zip bomb';
  return null;
}

export async function openZip(path: string, archiveSize: number): Promise<OpenedZip> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  const entries = new Map<string, yauzl.Entry>();
  const members: ZipMember[] = [];
  let totalLeft = Math.max(MIN_BOMB_BYTES, archiveSize * MAX_EXPANSION);
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!entry.fileName.endsWith('/') && !NOISE.test(entry.fileName)) {
          if (members.length >= MAX_ZIP_MEMBERS) {
            reject(new Error(`more than ${MAX_ZIP_MEMBERS} members: refusing a likely zip bomb`));
            return;
          }
          const refused = refusal(entry, totalLeft);
          if (!refused) totalLeft -= entry.uncompressedSize;
          entries.set(entry.fileName, entry);
          members.push({ name: entry.fileName, compressedSize: entry.compressedSize, size: entry.uncompressedSize, refused });
        }
        zip.readEntry();
      });
      zip.on('end', () => resolve());
      zip.on('error', reject);
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw err;
  }
  return {
    members,
    async open(member, displayName) {
      const entry = entries.get(member.name);
      if (!entry) throw new Error(`${member.name}: no such member`);
      return openSource(displayName, entry.uncompressedSize, async (): Promise<Readable> => zip.openReadStreamPromise(entry));
    },
    close: () => zip.close(),
  };
}
