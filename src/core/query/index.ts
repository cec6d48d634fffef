/**
 * The filter language (docs/filter-language.md): one module every view, the CLI and the API use.
 * parseFilter → AST, compileFilter → parameterised SQL over `exchanges AS e`, checkFilter for
 * editors. Queries that use a compiled filter need registerQueryFunctions(db) on the connection.
 */
import type { FilterCheck } from '../../shared/api.ts';
import { compileFilter } from './compile.ts';
import { FilterError } from './errors.ts';

export { parseFilter, MAX_DEPTH, MAX_CONDITIONS } from './parser.ts';
export { compileFilter, compileAst, MIN_BODY_TERM, type CompiledFilter, type CompileOptions } from './compile.ts';
export { FilterError } from './errors.ts';
export { registerQueryFunctions } from './regexp.ts';
export { FIELDS, FIELD_NAMES, type FieldSpec } from './fields.ts';
export { MAX_EXPRESSION_LENGTH } from './lexer.ts';
export type { Filter, Node, Op, Value, Scalar, Range, List } from './ast.ts';

/** Parses and compiles without running anything; `message` has no position (see `column`). */
export function checkFilter(expr: string): FilterCheck {
  try {
    compileFilter(expr);
    return { ok: true };
  } catch (err) {
    if (err instanceof FilterError) return { ok: false, message: err.reason, column: err.column };
    throw err;
  }
}
