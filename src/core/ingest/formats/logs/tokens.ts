/**
 * Splits a space-separated log line into fields. A field that starts with `"` runs to the next
 * unescaped `"`, one that starts with `[` or `{` to the matching close; the delimiters are
 * dropped. Used by the fixed-position formats (ALB/ELB, S3, HAProxy, W3C).
 */
export function splitFields(line: string): string[] {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    let end: number;
    if (c === 34) {
      end = i + 1;
      for (;;) {
        end = line.indexOf('"', end);
        if (end === -1) {
          end = n;
          break;
        }
        let bs = 0;
        for (let j = end - 1; j > i && line.charCodeAt(j) === 92; j--) bs++;
        if (bs % 2 === 0) break;
        end++;
      }
      out.push(line.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    if (c === 91 || c === 123) {
      end = line.indexOf(c === 91 ? ']' : '}', i + 1);
      if (end === -1) end = n;
      out.push(line.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    end = line.indexOf(' ', i);
    if (end === -1) end = n;
    out.push(line.slice(i, end));
    i = end;
  }
  return out;
}

/** `%xx` decoding that leaves malformed sequences as they are. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
