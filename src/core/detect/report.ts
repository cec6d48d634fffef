/**
 * Findings reports: a self-contained HTML page readable offline (everything escaped, no external
 * resources), SARIF 2.1.0 for code-scanning dashboards, and JSON.
 */
import { SEVERITIES, severityRank, type Finding, type Severity } from './types.ts';

/** What a report shows of one evidence request. */
export interface EvidenceRequest {
  id: number;
  time: number;
  method: string;
  url: string;
  status: number | null;
  ip: string | null;
  principal: string | null;
}

export type ExchangeLookup = (id: number) => EvidenceRequest | null;

export interface ReportOptions {
  /** Generation time for the report header (the caller's clock); omitted when absent. */
  now?: number;
  toolVersion?: string;
  /** Evidence requests listed per finding in HTML (default 50). */
  maxRequests?: number;
  /** Rule descriptions for SARIF's rule metadata, by rule id. */
  ruleHelp?: ReadonlyMap<string, { title: string; description?: string }>;
}

export type ReportFormat = 'html' | 'sarif' | 'json';

export function renderReport(findings: readonly Finding[], lookup: ExchangeLookup, format: ReportFormat, opts: ReportOptions = {}): string {
  const sorted = [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : a.id < b.id ? -1 : 1));
  switch (format) {
    case 'html': return html(sorted, lookup, opts);
    case 'sarif': return `${JSON.stringify(sarif(sorted, opts), null, 2)}\n`;
    case 'json': return `${JSON.stringify(jsonReport(sorted, opts), null, 2)}\n`;
  }
}

function summary(findings: readonly Finding[]) {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCategory: Record<string, number> = {};
  for (const f of findings) {
    bySeverity[f.severity]++;
    byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
  }
  return { total: findings.length, bySeverity, byCategory };
}

function jsonReport(findings: readonly Finding[], opts: ReportOptions) {
  return { tool: 'cartograph', version: opts.toolVersion ?? '0.1.0', ...(opts.now !== undefined ? { generatedAt: new Date(opts.now).toISOString() } : {}), summary: summary(findings), findings };
}

// ---------- SARIF 2.1.0 ----------

const LEVEL: Record<Severity, 'note' | 'warning' | 'error'> = { low: 'note', medium: 'warning', high: 'error', critical: 'error' };
const SECURITY_SEVERITY: Record<Severity, string> = { low: '3.0', medium: '5.5', high: '8.0', critical: '9.5' };

function endpointUri(f: Finding): string {
  const path = f.endpoint.path === '*' ? '/' : f.endpoint.path;
  return `https://${f.endpoint.host}${path}`.replace(/[{}]/g, (c) => encodeURIComponent(c));
}

export function sarif(findings: readonly Finding[], opts: ReportOptions = {}) {
  const ruleIds = [...new Set(findings.map((f) => f.rule))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => {
    const f = findings.find((x) => x.rule === id)!;
    const help = opts.ruleHelp?.get(id);
    const worst = findings.filter((x) => x.rule === id).reduce((s, x) => (severityRank(x.severity) > severityRank(s) ? x.severity : s), 'low' as Severity);
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)/g, (_, c: string) => c.toUpperCase()),
      shortDescription: { text: help?.title ?? f.title },
      fullDescription: { text: help?.description ?? help?.title ?? f.title },
      help: { text: `${help?.title ?? f.title}. Category ${f.category} (${f.owasp}).` },
      defaultConfiguration: { level: LEVEL[worst] },
      properties: { category: f.category, owasp: f.owasp, 'security-severity': SECURITY_SEVERITY[worst], tags: ['security', f.category, f.owasp] },
    };
  });
  const results = findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: index.get(f.rule)!,
    level: LEVEL[f.severity],
    message: { text: f.evidence },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: endpointUri(f) } },
        logicalLocations: [{ name: `${f.endpoint.method} ${f.endpoint.path}`, fullyQualifiedName: `${f.endpoint.method} ${f.endpoint.host}${f.endpoint.path}`, kind: 'function' }],
      },
    ],
    partialFingerprints: { 'cartographFindingId/v1': f.id },
    properties: {
      severity: f.severity,
      confidence: f.confidence,
      category: f.category,
      owasp: f.owasp,
      actor: f.actor,
      requestIds: f.requestIds,
      requestCount: f.requestCount,
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
    },
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0' as const,
    runs: [
      {
        tool: { driver: { name: 'Cartograph', semanticVersion: opts.toolVersion ?? '0.1.0', informationUri: 'https://github.com/cartograph-dev/cartograph', rules } },
        results,
        columnKind: 'utf16CodeUnits' as const,
        ...(opts.now !== undefined ? { invocations: [{ executionSuccessful: true, endTimeUtc: new Date(opts.now).toISOString() }] } : {}),
      },
    ],
  };
}

// ---------- HTML ----------

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[c]!);
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d2330}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin:0}table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border-bottom:1px solid #e3e6ee;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f5f6fa}
.f{border:1px solid #d6dae5;border-radius:6px;padding:1rem;margin:1rem 0}.sev{display:inline-block;border-radius:4px;padding:0 .5rem;color:#fff;font-weight:600}
.critical{background:#7a0019}.high{background:#c62828}.medium{background:#ef6c00}.low{background:#607d8b}code{font-family:ui-monospace,Menlo,monospace;font-size:12px;word-break:break-all}
.meta{color:#5b6478}`;

function html(findings: readonly Finding[], lookup: ExchangeLookup, opts: ReportOptions): string {
  const e = escapeHtml;
  const s = summary(findings);
  const max = opts.maxRequests ?? 50;
  const rows = SEVERITIES.slice().reverse().map((sev) => `<tr><td><span class="sev ${sev}">${sev}</span></td><td>${s.bySeverity[sev]}</td></tr>`).join('');
  const cats = Object.entries(s.byCategory).sort().map(([c, n]) => `<tr><td>${e(c)}</td><td>${n}</td></tr>`).join('');
  const sections = findings
    .map((f) => {
      const reqs = f.requestIds.slice(0, max).map((id) => {
        const r = lookup(id);
        return r
          ? `<tr><td>${r.id}</td><td>${e(new Date(r.time).toISOString())}</td><td>${e(r.method)}</td><td><code>${e(r.url)}</code></td><td>${r.status ?? '-'}</td><td>${e(r.ip ?? '-')}</td><td>${e(r.principal ?? '-')}</td></tr>`
          : `<tr><td>${id}</td><td colspan="6" class="meta">not in this workspace</td></tr>`;
      });
      const more = f.requestCount > reqs.length ? `<p class="meta">${f.requestCount - reqs.length} more request(s) not listed.</p>` : '';
      const actor = [f.actor.principal, f.actor.ip].filter(Boolean).join(' / ') || '—';
      return `<section class="f" id="f-${e(f.id)}">
<h2><span class="sev ${f.severity}">${f.severity}</span> ${e(f.title)}</h2>
<p>${e(f.evidence)}</p>
<table><tr><th>Rule</th><td><code>${e(f.rule)}</code></td><th>Category</th><td>${e(f.category)} (${e(f.owasp)})</td></tr>
<tr><th>Actor</th><td>${e(actor)}</td><th>Endpoint</th><td><code>${e(`${f.endpoint.method} ${f.endpoint.host}${f.endpoint.path}`)}</code></td></tr>
<tr><th>Seen</th><td>${e(f.firstSeen)} → ${e(f.lastSeen)}</td><th>Confidence</th><td>${f.confidence}</td></tr></table>
<details${reqs.length <= 10 ? ' open' : ''}><summary>${f.requestCount} evidence request(s)</summary>
<table><tr><th>ID</th><th>Time</th><th>Method</th><th>URL</th><th>Status</th><th>IP</th><th>Principal</th></tr>${reqs.join('')}</table>${more}</details>
<p class="meta">Finding <code>${e(f.id)}</code></p></section>`;
    })
    .join('\n');
  const when = opts.now !== undefined ? `<p class="meta">Generated ${e(new Date(opts.now).toISOString())}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<link rel="icon" href="data:,"><title>Cartograph findings report</title><style>${CSS}</style></head>
<body><h1>Cartograph findings report</h1>${when}
<p>${s.total} finding(s).</p>
<div style="display:flex;gap:2rem"><table style="width:auto"><tr><th>Severity</th><th>Findings</th></tr>${rows}</table>
<table style="width:auto"><tr><th>Category</th><th>Findings</th></tr>${cats}</table></div>
${sections || '<p>No findings.</p>'}
</body></html>
`;
}
