import { describe, expect, it } from 'vitest';
import type { ActorTimelineEntry } from '../../../../src/shared/api-detect.ts';
import { actorLabel, bucketize, endpointLabel, formatStep, groupLabel, idFilter } from '../../../../src/renderer/src/views/findings/model.ts';

const entry = (id: number, time: number, findingIds: string[] = []): ActorTimelineEntry => ({ id, time, method: 'GET', scheme: 'https', host: 'h', path: '/', query: '', status: 200, ip: '1.2.3.4', principal: null, findingIds });

describe('idFilter', () => {
  it('writes runs as ranges, deduplicated and sorted', () => {
    expect(idFilter([9, 1, 2, 3, 3, 5])).toEqual({ filter: 'id in (1..3, 5, 9)', covered: 5 });
    expect(idFilter([7])).toEqual({ filter: 'id in (7)', covered: 1 });
    expect(idFilter([])).toEqual({ filter: '', covered: 0 });
  });

  it('splits lists longer than the language allows over `or`', () => {
    const ids = Array.from({ length: 300 }, (_, i) => i * 2 + 1);
    const { filter, covered } = idFilter(ids);
    expect(covered).toBe(300);
    const parts = filter.split(' or ');
    expect(parts).toHaveLength(2);
    expect(parts[0].match(/,/g)).toHaveLength(255);
  });

  it('stays under the filter length limit, saying how many it covers', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => 100_000 + i * 3);
    const { filter, covered } = idFilter(ids);
    expect(filter.length).toBeLessThanOrEqual(10_000);
    expect(covered).toBeGreaterThan(500);
    expect(covered).toBeLessThan(5000);
    expect(filter).toMatch(/^id in \(100000, 100003, .*\)$/);
  });
});

describe('labels', () => {
  it('reads actors, endpoints and group keys', () => {
    expect(actorLabel({ principal: 'user-1', ip: '10.0.0.1' })).toBe('user-1 @ 10.0.0.1');
    expect(actorLabel({ principal: null, ip: '10.0.0.1' })).toBe('10.0.0.1');
    expect(actorLabel({ principal: null, ip: null })).toBe('any actor');
    expect(endpointLabel({ host: 'api', method: '*', path: '*' })).toBe('api (any endpoint)');
    expect(endpointLabel({ host: 'api', method: 'GET', path: '/x/{id}' })).toBe('GET api/x/{id}');
    expect(groupLabel('/192.0.2.200', 'actor')).toBe('192.0.2.200');
    expect(groupLabel('user-1/', 'actor')).toBe('user-1');
    expect(groupLabel('* api.shop *', 'endpoint')).toBe('api.shop (any endpoint)');
    expect(groupLabel('bola', 'category')).toBe('bola');
  });
});

describe('bucketize', () => {
  it('picks the smallest step giving at most the bucket count, and counts evidence', () => {
    const t0 = Date.UTC(2026, 0, 1, 8, 0, 0);
    const entries = [entry(1, t0), entry(2, t0 + 10_000, ['f1']), entry(3, t0 + 10_500, ['f1', 'f2']), entry(4, t0 + 30 * 60_000)];
    const { step, buckets } = bucketize(entries, 60, 'f2');
    expect(step).toBe(60_000);
    expect(buckets).toHaveLength(31);
    expect(buckets[0]).toMatchObject({ requests: 3, flagged: 2, selected: 1, findingIds: ['f1', 'f2'], exchangeIds: [1, 2, 3] });
    expect(buckets[30]).toMatchObject({ requests: 1, flagged: 0, exchangeIds: [4] });
    expect(buckets.reduce((n, b) => n + b.requests, 0)).toBe(4);
    expect(formatStep(step)).toBe('1 min');
  });

  it('handles one request and none', () => {
    expect(bucketize([]).buckets).toEqual([]);
    const one = bucketize([entry(1, 5000)]);
    expect(one.buckets).toHaveLength(1);
    expect(one.buckets[0].requests).toBe(1);
  });
});
