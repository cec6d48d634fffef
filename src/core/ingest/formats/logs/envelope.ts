/**
 * Text some log shippers put before the record itself: the container runtime's
 * `<time> stdout F ` (CRI, as kubectl and crowdsec see container logs) and syslog headers.
 * Stripping them lets every reader read logs collected from containers and syslog too.
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
