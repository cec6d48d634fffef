/**
 * Where broken JSON breaks. V8's JSON.parse messages often quote a snippet instead of a position,
 * so after a failed parse this scanner (iterative: deep nesting cannot overflow the stack) finds
 * the offset of the first syntax error, reported as a line and column.
 */

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Offset of the first JSON syntax error in `text`, or -1 when it is valid. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const skip = (): void => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const literal = (re: RegExp): boolean => {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  // Stack of open containers: '{' expecting a key, ':' expecting a value in an object, '[' in an array.
  const stack: string[] = [];
  let expectValue = true;
  for (;;) {
    skip();
    if (expectValue) {
      const c = text[i];
      if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        skip();
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          expectValue = false;
          continue;
        }
        if (c === '{') {
          if (!literal(STRING)) return i;
          skip();
          if (text[i] !== ':') return i;
          i++;
          stack[stack.length - 1] = ':';
        }
        continue;
      }
      if (c === '"' ? !literal(STRING) : c === 't' ? !text.startsWith('true', i) : c === 'f' ? !text.startsWith('false', i) : c === 'n' ? !text.startsWith('null', i) : !literal(NUMBER)) return i;
      if (c === 't' || c === 'n') i += 4;
      else if (c === 'f') i += 5;
      expectValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return i < text.length ? i : -1;
    const c = text[i];
    if (c === ',') {
      i++;
      if (top === ':') {
        skip();
        if (!literal(STRING)) return i;
        skip();
        if (text[i] !== ':') return i;
        i++;
      }
      expectValue = true;
      continue;
    }
    if ((top === ':' && c === '}') || (top === '[' && c === ']')) {
      stack.pop();
      i++;
      continue;
    }
    return i;
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 0x0a) {
      line++;
      last = k;
    }
  }
  return { line, column: offset - last };
}
