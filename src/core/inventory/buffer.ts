/**
 * The light columns of a run of exchanges held column-wise with interned strings, so a build
 * can count distinct paths and fold statistics from ONE scan of the table (templates must be
 * inferred from every path before any exchange is folded). About 60 bytes per exchange; the
 * build only buffers up to a bounded number of rows and scans twice beyond that.
 */
import type { PrincipalKind } from '../model/exchange.ts';
import type { LightRow } from './stats.ts';

class Interner {
  readonly index = new Map<string, number>();
  readonly values: string[] = [];

  of(v: string): number {
    let i = this.index.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.index.set(v, i);
      this.values.push(v);
    }
    return i;
  }
}

/** What a single-pass build selects (in this order) for RowBuffer.push. */
export const SCAN_COLUMNS = `host || char(10) || method || char(10) || path, id, time, query, status, duration, coalesce(ip, client_ip), principal, principal_kind`;

export class RowBuffer {
  private readonly ids: number[] = [];
  private readonly times: number[] = [];
  private readonly keys: number[] = [];
  private readonly queries: string[] = [];
  private readonly statuses: number[] = [];
  private readonly durations: number[] = [];
  private readonly principals: number[] = [];
  private readonly ips: number[] = [];
  private readonly kinds: number[] = [];
  private readonly keyIndex = new Map<string, number>();
  /** Distinct host+method+path of the buffered rows, with their hits. */
  readonly paths: { host: string; method: string; path: string; count: number }[] = [];
  private readonly strings = new Interner();

  get length(): number {
    return this.ids.length;
  }

  /** Columns of SCAN_COLUMNS: host\nmethod\npath as one string (a third of the strings to create), then the rest. */
  push(r: unknown[]): void {
    const k = r[0] as string;
    let key = this.keyIndex.get(k);
    if (key === undefined) {
      key = this.paths.length;
      this.keyIndex.set(k, key);
      const [host, method, ...rest] = k.split('\n');
      this.paths.push({ host, method, path: rest.join('\n'), count: 0 });
    }
    this.paths[key].count++;
    this.ids.push(r[1] as number);
    this.times.push(r[2] as number);
    this.keys.push(key);
    this.queries.push(r[3] as string);
    this.statuses.push(r[4] === null ? -1 : (r[4] as number));
    this.durations.push(r[5] === null ? Number.NaN : (r[5] as number));
    this.ips.push(r[6] === null ? -1 : this.strings.of(r[6] as string));
    this.principals.push(r[7] === null ? -1 : this.strings.of(r[7] as string));
    this.kinds.push(r[8] === null ? -1 : this.strings.of(r[8] as string));
  }

  keyOf(i: number): number {
    return this.keys[i];
  }

  row(i: number): LightRow {
    const p = this.paths[this.keys[i]];
    const str = (n: number): string | null => (n < 0 ? null : this.strings.values[n]);
    return {
      id: this.ids[i],
      time: this.times[i],
      method: p.method,
      host: p.host,
      path: p.path,
      query: this.queries[i],
      status: this.statuses[i] < 0 ? null : this.statuses[i],
      duration: Number.isNaN(this.durations[i]) ? null : this.durations[i],
      ip: str(this.ips[i]),
      principal: str(this.principals[i]),
      principalKind: str(this.kinds[i]) as PrincipalKind | null,
    };
  }
}
