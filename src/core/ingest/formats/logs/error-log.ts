import type { Exchange } from '../../../model/exchange.ts';
import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import { AccessLogParser } from './clf.ts';
import { fractionAccepted, headLines, readLines } from './lines.ts';

/** A server's error log: its entry pattern and how a matched entry becomes an exchange. */
export interface ErrorLogFormat {
  id: string;
  label: string;
  producers: readonly string[];
  entry: RegExp;
  toExchange(line: string, m: RegExpExecArray, latin1: boolean): Exchange | string;
}

/**
 * A Reader for an error log. Access-log lines mixed into the same file (one container's stdout
 * and stderr, as crowdsec's parsers accept them) are read as the access-log reader reads them.
 */
export function errorLogReader(format: ErrorLogFormat): Reader {
  return {
    id: format.id,
    label: format.label,
    producers: format.producers,
    extensions: ['.log', '.error'],
    sniff(head: Uint8Array): number {
      // Scored on error entries only, so an access log with a stray error line stays the access-log reader's.
      return 0.9 * fractionAccepted(headLines(head), (line) => format.entry.test(line));
    },
    read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
      const access = new AccessLogParser(AccessLogParser.builtins(), false);
      return readLines(input, ctx, (line, latin1) => {
        const m = format.entry.exec(line);
        return m === null ? access.parse(line, latin1) : format.toExchange(line, m, latin1);
      });
    },
  };
}
