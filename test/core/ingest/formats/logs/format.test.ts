import { describe, expect, it } from 'vitest';
import { FormatError, compileFormat, detectKind, unescapeLogValue } from '../../../../../src/core/ingest/formats/logs/format.ts';
import { epochToMs, parseAnyTime, parseClfTime, parseIsoTime } from '../../../../../src/core/ingest/formats/logs/time.ts';

describe('log format compiler', () => {
  it('tells NGINX from Apache formats', () => {
    expect(detectKind('$remote_addr - $remote_user [$time_local] "$request"')).toBe('nginx');
    expect(detectKind('%h %l %u %t \\"%r\\" %>s %b')).toBe('apache');
  });

  it('splits a line on the literals between variables, honouring escaped quotes', () => {
    const f = compileFormat('$remote_addr "$http_user_agent" $status');
    const v: string[] = [];
    expect(f.match('1.2.3.4 "a \\"quoted\\" agent" 200', v)).toBe(-1);
    expect(v).toEqual(['1.2.3.4', 'a \\"quoted\\" agent', '200']);
    expect(f.match('1.2.3.4 "unterminated 200', v)).toBe(1);
  });

  it('names where a line stops fitting, and refuses nonsense formats with a reason', () => {
    const f = compileFormat('[$time_local] $status');
    expect(f.match('no bracket 200', [])).toBe(0);
    expect(() => compileFormat('plain text')).toThrow(FormatError);
    expect(() => compileFormat('$a$b')).toThrow(/touch with nothing between them/);
    expect(() => compileFormat('%h %Q', 'apache')).toThrow(/unknown Apache log directive %Q/);
  });

  it('undoes NGINX \\xHH and Apache backslash escapes', () => {
    expect(unescapeLogValue('caf\\xC3\\xA9 \\x22q\\x22')).toEqual({ text: 'café "q"', latin1: false });
    expect(unescapeLogValue('a\\"b\\\\c\\td')).toEqual({ text: 'a"b\\c\td', latin1: false });
    expect(unescapeLogValue('\\xFF\\xFE')).toEqual({ text: 'ÿþ', latin1: true });
  });
});

describe('log time parsers', () => {
  it('reads CLF times with their zone', () => {
    expect(parseClfTime('10/Feb/2012:16:42:07 -0500')).toBe(Date.UTC(2012, 1, 10, 21, 42, 7));
    expect(parseClfTime('14/Jan/2015:12:48:57.127')).toBe(Date.UTC(2015, 0, 14, 12, 48, 57, 127));
    expect(parseClfTime('10/Foo/2012:16:42:07 -0500')).toBeNaN();
    expect(parseClfTime('10/Feb/2012:16:42:07 +9999')).toBeNaN();
  });

  it('reads ISO 8601 in its common spellings', () => {
    expect(parseIsoTime('2023-08-11T11:39:21.773360139Z')).toBe(Date.UTC(2023, 7, 11, 11, 39, 21, 773));
    expect(parseIsoTime('2021-11-12T16:59:45+0000')).toBe(Date.UTC(2021, 10, 12, 16, 59, 45));
    expect(parseIsoTime('2013-10-10T16:52:00+02:00')).toBe(Date.UTC(2013, 9, 10, 14, 52, 0));
    expect(parseIsoTime('2012-04-01 00:00:13')).toBe(Date.UTC(2012, 3, 1, 0, 0, 13));
    // Alternating months and years (0-99 are 1900-1999 to Date.UTC), day and hour overflow, short fractions.
    for (const [s, utc] of [
      ['2024-02-29T23:59:59.9Z', Date.UTC(2024, 1, 29, 23, 59, 59, 900)],
      ['2024-03-01T00:00:00.05Z', Date.UTC(2024, 2, 1, 0, 0, 0, 50)],
      ['2023-02-31T24:00:60Z', Date.UTC(2023, 1, 31, 24, 0, 60)],
      ['0099-12-31T00:00:00Z', Date.UTC(99, 11, 31)],
      ['2024-02-29T23:59:59.999+01:30', Date.UTC(2024, 1, 29, 23, 59, 59, 999) - 90 * 60_000],
    ] as const) expect(parseIsoTime(s)).toBe(utc);
    expect(parseIsoTime('2012-04-01T00:00:13 garbage')).toBeNaN();
  });

  it('tells epoch units apart by magnitude', () => {
    expect(epochToMs(1703373474.8155608)).toBe(1703373474816);
    expect(epochToMs(1573762484064)).toBe(1573762484064);
    expect(epochToMs(1756494783340876)).toBe(1756494783341);
    expect(epochToMs(1756494783340876000)).toBe(1756494783341);
    expect(parseAnyTime('Sat, 23 Dec 2023 23:17:54 GMT')).toBe(Date.UTC(2023, 11, 23, 23, 17, 54));
    expect(parseAnyTime('Sat, 23 Dec 2023 23:17:54')).toBeNaN();
  });
});
