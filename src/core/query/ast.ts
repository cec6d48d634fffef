/** The parsed form of a filter expression. Every node keeps the 1-based column it started at. */

/** `exists`: a header named in brackets with no operator after it (`resp.header[set-cookie]`). */
export type Op = '=' | '!=' | '~' | '!~' | '<' | '>' | '<=' | '>=' | 'contains' | '!contains' | 'in' | '!in' | 'exists';

/** A single value as written: a bare word or a quoted string (the compiler gives it meaning). */
export interface Scalar {
  kind: 'word' | 'string';
  text: string;
  column: number;
}

/** `lo..hi`, either end may be open (`..499`, `400..`), inclusive. */
export interface Range {
  kind: 'range';
  lo: Scalar | null;
  hi: Scalar | null;
  column: number;
}

export interface List {
  kind: 'list';
  items: (Scalar | Range)[];
  column: number;
}

export type Value = Scalar | Range | List | null;

export type Node =
  | { kind: 'and' | 'or'; items: Node[]; column: number }
  | { kind: 'not'; item: Node; column: number }
  /** `field[arg] op value`; `field` is the canonical field name. */
  | { kind: 'compare'; field: string; arg: string | null; op: Op; value: Value; column: number; opColumn: number }
  /** A bare word or string on its own: shorthand for `url contains value`. */
  | { kind: 'text'; value: Scalar; column: number };

/** An empty expression matches everything. */
export type Filter = Node | null;
