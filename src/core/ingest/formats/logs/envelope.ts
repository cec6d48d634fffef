/**
 * Text some log shippers put around the record itself.
 *
 * Container logs are unwrapped for every line reader (see `readLines` and `headLines`): the CRI
 * format kubelet writes (`<time> stdout F <record>`, as kubectl and crowdsec see container logs)
 * and Docker's json-file driver (`{"log":"<record>\n","stream":"stdout","time":"…"}`). Both split
 * long records into partial lines (CRI `P`, Docker a `log` without its final newline), which are
 * joined again. Whether a file is wrapped is decided once, on its first line, so plain logs pay
 * nothing per line.
 *
 * `stripEnvelope` removes per-line prefixes a few readers also accept (syslog headers, a CRI
 * prefix on a single line).
 */

const CRI = /^\d{4}-\d\d-\d\dT\S+ (?:stdout|stderr) [FP] /;
const SYSLOG = /^(?:<\d+>)?(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ [\w./-]+(?:\[\d+\])?: /;

export function stripEnvelope(line: string): string {
  const c = line.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const m = CRI.exec(line) ?? SYSLOG.exec(line);
    return m ? line.slice(m[0].length) : line;
  }
  if (c === 60 || (c >= 65 && c <= 90)) {
    const m = SYSLOG.exec(line);
    return m ? line.slice(m[0].length) : line;
  }
  return line;
}

export type ContainerLogKind = 'cri' | 'docker';

/** `<RFC 3339 time> <stream> <P|F> <content>`; the content may be empty. */
const CRI_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) (stdout|stderr) ([FP])(?: |$)/;

/** The container-log wrapping of a file, told from its first non-blank line; null for none. */
export function containerLogKind(firstLine: string): ContainerLogKind | null {
  const c = firstLine.charCodeAt(0);
  if (c >= 48 && c <= 57) return CRI_LINE.test(firstLine) ? 'cri' : null;
  if (c === 123 && firstLine.startsWith('{"log":') && firstLine.includes('"stream":"std')) return 'docker';
  return null;
}

/**
 * Unwraps the lines of one container log in order, joining partial lines per stream. A line that
 * is not wrapped as the file's first was is passed through as it is (the inner reader judges it).
 */
export class ContainerLines {
  private readonly kind: ContainerLogKind;
  private readonly maxChars: number;
  /** Partial record text per stream (stdout and stderr interleave). */
  private readonly partial = new Map<string, string>();
  /** Streams whose current record outgrew the limit: their parts are dropped until it ends. */
  private readonly dropping = new Set<string>();
  /** Set when `unwrap` returns null because a joined record grew past the limit. */
  tooLong = false;

  constructor(kind: ContainerLogKind, maxChars: number) {
    this.kind = kind;
    this.maxChars = maxChars;
  }

  /** The complete record this line ends, or null when it is only a part of one (kept until the rest arrives). */
  unwrap(line: string): string | null {
    this.tooLong = false;
    if (this.kind === 'cri') {
      const m = CRI_LINE.exec(line);
      if (m === null) return line;
      const content = line.slice(m[0].length);
      return this.join(m[1] as string, content, m[2] === 'P');
    }
    if (line.charCodeAt(0) !== 123) return line;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return line;
    }
    const log = (v as { log?: unknown } | null)?.log;
    if (typeof log !== 'string') return line;
    const stream = (v as { stream?: unknown }).stream;
    const complete = log.endsWith('\n');
    let text = complete ? log.slice(0, -1) : log;
    if (complete && text.endsWith('\r')) text = text.slice(0, -1);
    return this.join(typeof stream === 'string' ? stream : '', text, !complete);
  }

  private join(stream: string, content: string, partial: boolean): string | null {
    if (this.dropping.has(stream)) {
      if (!partial) {
        this.dropping.delete(stream);
        this.tooLong = true;
      }
      return null;
    }
    const before = this.partial.get(stream);
    const text = before === undefined ? content : before + content;
    if (text.length > this.maxChars) {
      // Drop the record rather than hold an unbounded one; its last part is reported.
      this.partial.delete(stream);
      if (partial) this.dropping.add(stream);
      else this.tooLong = true;
      return null;
    }
    if (partial) {
      this.partial.set(stream, text);
      return null;
    }
    if (before !== undefined) this.partial.delete(stream);
    return text;
  }
}
