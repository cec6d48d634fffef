import { describe, expect, it } from 'vitest';
import { openWorkspace } from '../../../src/core/store/db.ts';
import { addSuppression, FindingStoreError, finishRun, listFindings, listSuppressions, removeSuppression, saveFindings, setFindingStatus, startRun } from '../../../src/core/detect/store.ts';
import type { Finding } from '../../../src/core/detect/types.ts';

function finding(id: string, over: Partial<Finding> = {}): Finding {
  return {
    id, rule: 'injection.sqli', category: 'injection', owasp: 'API8:2023', severity: 'high', confidence: 0.85, title: 'SQL injection payload',
    actor: { ip: '203.0.113.7', principal: null }, endpoint: { host: 'api.example', method: 'GET', path: '/search' },
    requestIds: [3, 1, 2], requestCount: 3, firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:01:00.000Z', evidence: 'e', ...over,
  };
}

const db = () => openWorkspace(':memory:', { create: true });

describe('finding storage', () => {
  it('saves and lists findings with their requests, runs and effective status', () => {
    const d = db();
    const run = startRun(d, 'builtin', 42, 1000);
    saveFindings(d, run, [finding('a'), finding('b', { category: 'scanner', rule: 'scanner.probe-paths', firstSeen: '2026-01-02T00:00:00.000Z' })]);
    finishRun(d, run, { exchanges: 10, findings: 2 }, 2000);
    const all = listFindings(d);
    expect(all.map((f) => f.id)).toEqual(['a', 'b']);
    expect(all[0]).toMatchObject({ status: 'open', runId: run, requestIds: [1, 2, 3], requestCount: 3, firstSeen: '2026-01-01T00:00:00.000Z' });
    expect(listFindings(d, { category: 'scanner' }).map((f) => f.id)).toEqual(['b']);
    expect(d.prepare('SELECT status, exchanges, findings FROM detection_runs').get()).toEqual({ status: 'complete', exchanges: 10, findings: 2 });
  });

  it('re-running replaces open findings but keeps triage decisions for the same id', () => {
    const d = db();
    const r1 = startRun(d, 'builtin', 1);
    saveFindings(d, r1, [finding('keep'), finding('drop'), finding('fp')]);
    setFindingStatus(d, 'keep', 'confirmed', 'seen in WAF logs too');
    setFindingStatus(d, 'fp', 'false-positive');
    const r2 = startRun(d, 'builtin', 1);
    saveFindings(d, r2, [finding('keep', { requestCount: 5 }), finding('new')]);
    const byId = new Map(listFindings(d).map((f) => [f.id, f]));
    expect([...byId.keys()].sort()).toEqual(['fp', 'keep', 'new']);
    expect(byId.get('keep')).toMatchObject({ status: 'confirmed', note: 'seen in WAF logs too', requestCount: 5, runId: r2 });
    expect(byId.get('fp')!.status).toBe('false-positive');
    expect(listFindings(d, { status: 'open' }).map((f) => f.id)).toEqual(['new']);
  });

  it('suppression rules mark matching findings of later runs suppressed', () => {
    const d = db();
    const sid = addSuppression(d, { actor: '203.0.113.7', rule: 'injection.sqli', note: 'our pentest' });
    addSuppression(d, { host: 'other.example' });
    const run = startRun(d, 'builtin', 1);
    saveFindings(d, run, [finding('x'), finding('y', { actor: { ip: '198.51.100.1', principal: null } })]);
    expect(listFindings(d).map((f) => [f.id, f.status])).toEqual([['x', 'suppressed'], ['y', 'open']]);
    expect(listSuppressions(d).map((s) => s.note)).toEqual(['our pentest', null]);
    expect(removeSuppression(d, sid)).toBe(true);
    expect(listFindings(d, { status: 'open' }).map((f) => f.id)).toEqual(['x', 'y']);
  });

  it('rejects bad triage input with clear errors', () => {
    const d = db();
    expect(() => setFindingStatus(d, 'nope', 'confirmed')).toThrow(FindingStoreError);
    saveFindings(d, startRun(d, 'p', 1), [finding('a')]);
    expect(() => setFindingStatus(d, 'a', 'maybe' as never)).toThrow(/unknown finding status "maybe"/);
    expect(() => addSuppression(d, {})).toThrow(/at least a rule, an actor, a host or a path/);
  });
});
