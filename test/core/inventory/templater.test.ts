import { describe, expect, it } from 'vitest';
import { inferHost, paramNameFor, templatesOf, type PathSample } from '../../../src/core/inventory/templater.ts';
import { segmentKind } from '../../../src/core/inventory/segments.ts';
import type { TemplateDecision } from '../../../src/core/inventory/types.ts';

const samples = (method: string, paths: string[], keys?: string[]): PathSample[] => paths.map((path) => ({ method, path, count: 1, keys }));
const templates = (s: PathSample[], decisions: TemplateDecision[] = []) => {
  const h = inferHost('api.example.com', s, decisions);
  return [...h.trees.entries()].flatMap(([m, root]) => templatesOf(root).map((t) => `${m} ${t}`)).sort();
};
const decision = (kind: TemplateDecision['kind'], prefix: string, name: string | null = null): TemplateDecision => ({ id: 1, host: 'api.example.com', method: 'GET', prefix, kind, name, createdAt: '' });

describe('segment recognisers', () => {
  it.each([
    ['42', 'int'], ['6f1c2a3e-8b4d-4c1a-9e2f-1a2b3c4d5e6f', 'uuid'], ['507f1f77bcf86cd799439011', 'objectid'],
    ['d41d8cd98f00b204e9800998ecf8427e', 'md5'], ['da39a3ee5e6b4b0d3255bfef95601890afd80709', 'sha1'],
    ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'sha256'], ['deadbeef12', 'hex'],
    ['2024-03-01', 'date'], ['2024-03-01T10:00:00Z', 'datetime'], ['alice@example.com', 'email'],
    ['01ARZ3NDEKTSV4RRFFQ69G5FAV', 'ulid'], ['aGVsbG8gd29ybGQhIHRoaXMgaXM', 'token'], ['v2', 'version'], ['users', 'word'],
    ['red-running-shoes-42', 'slug'],
  ])('%s is %s', (seg, kind) => expect(segmentKind(seg)).toBe(kind));
});

describe('template inference', () => {
  it('turns identifiers into named parameters and keeps resources literal', () => {
    const t = templates(samples('GET', ['/api/v1/users/1/orders/10', '/api/v1/users/2/orders/11', '/api/v1/users/3/orders/12', '/api/v1/users/3', '/api/v1/users']));
    expect(t).toEqual(['GET /api/v1/users', 'GET /api/v1/users/{userId}', 'GET /api/v1/users/{userId}/orders/{orderId}']);
  });

  it('keeps a dictionary word beside identifiers (/users/me) and never merges API words', () => {
    const t = templates(samples('GET', ['/api/v2/users/me', '/api/v2/users/5', '/api/v2/users/6', '/api/v1/status', '/api/v2/status', '/api/v3/status']));
    expect(t).toContain('GET /api/v2/users/me');
    expect(t).toContain('GET /api/v2/users/{userId}');
    expect(t).toContain('GET /api/v1/status');
    expect(t).toContain('GET /api/v3/status');
  });

  it('merges slugs only past the sibling threshold, words only past a higher one', () => {
    const few = templates(samples('GET', ['/blog/hello-world', '/blog/second-post', '/blog/third-post']));
    expect(few).toHaveLength(3);
    const many = templates(samples('GET', Array.from({ length: 8 }, (_, i) => `/blog/post-number-${'abcdefgh'[i]}x`)));
    expect(many).toEqual(['GET /blog/{blogId}']);
    const someWords = templates(samples('GET', ['/shop/chairs', '/shop/tables', '/shop/lamps', '/shop/desks', '/shop/beds', '/shop/sofas']));
    expect(someWords).toHaveLength(6);
    const words = 'apple banana cherry grape lemon mango melon olive peach pear plum prune quince raisin berry lime kiwi date fig guava'.split(' ');
    expect(templates(samples('GET', words.map((w) => `/fruit/${w}`)))).toEqual(['GET /fruit/{fruitId}']);
  });

  it('merges few word siblings whose JSON responses share their keys', () => {
    const s = samples('GET', ['/teams/red', '/teams/blue', '/teams/green', '/teams/gold'], ['id', 'name', 'members', 'created']);
    expect(templates(s)).toEqual(['GET /teams/{teamId}']);
  });

  it('infers per method, names parameters from the preceding resource and keeps them distinct', () => {
    const t = templates([...samples('GET', ['/orgs/1/repos/7', '/orgs/2/repos/8']), ...samples('POST', ['/files/upload'])]);
    expect(t).toEqual(['GET /orgs/{orgId}/repos/{repoId}', 'POST /files/upload']);
    expect(templates(samples('GET', ['/a/1/2', '/a/3/4']))).toEqual(['GET /a/{aId}/{id}']);
    expect(paramNameFor('categories', new Map([['int', 1]]))).toBe('categoryId');
    expect(paramNameFor('order-items', new Map([['int', 1]]))).toBe('orderItemId');
    expect(paramNameFor('events', new Map([['date', 2]]))).toBe('date');
  });

  it('types parameters by what was folded in (UUID, ObjectID, date, e-mail)', () => {
    const h = inferHost('h', samples('GET', ['/x/6f1c2a3e-8b4d-4c1a-9e2f-1a2b3c4d5e6f', '/x/7f1c2a3e-8b4d-4c1a-9e2f-1a2b3c4d5e6f', '/day/2024-01-01']));
    expect(h.resolve('GET', '/x/8f1c2a3e-8b4d-4c1a-9e2f-1a2b3c4d5e6f')).toBe('/x/{xId}');
    expect(h.resolve('GET', '/day/2025-02-02')).toBe('/day/{date}');
    expect(h.resolve('GET', '/never/seen/99')).toBe('/never/seen/{id}');
  });

  it('respects analyst decisions: split, merge, rename', () => {
    const s = samples('GET', ['/users/1', '/users/2', '/shop/chairs', '/shop/tables']);
    expect(templates(s, [decision('split', '/users')])).toContain('GET /users/1');
    expect(templates(s, [decision('merge', '/shop')])).toContain('GET /shop/{shopId}');
    expect(templates(s, [decision('rename', '/users', 'accountNo')])).toContain('GET /users/{accountNo}');
    // A rename upstream does not orphan decisions below it (names are erased when comparing).
    const deep = samples('GET', ['/users/1/x/a', '/users/1/x/b']);
    expect(templates(deep, [decision('rename', '/users', 'u'), decision('merge', '/users/{userId}/x')])).toEqual(['GET /users/{u}/x/{xId}']);
  });

  it('survives hostile paths: very deep, broken percent-encoding, empty segments', () => {
    const deep = `/${Array.from({ length: 500 }, (_, i) => `s${i}`).join('/')}`;
    const h = inferHost('h', samples('GET', [deep, '/bad/%E0%A4%A', '/a//b/', '/']));
    expect(h.resolve('GET', '/bad/%E0%A4%A')).toBe('/bad/%E0%A4%A');
    expect(h.resolve('GET', '/a//b/')).toBe('/a//b/');
    expect(h.resolve('GET', deep).split('/').length).toBe(501);
  });
});

describe('odd values beside a parameter', () => {
  it('folds probes (traversal, encoded dots) into a well-attested parameter, but not words', () => {
    const t = templates(samples('GET', ['/p/1', '/p/2', '/p/3', '/p/..%2f..%2fetc%2fpasswd', "/p/1'%20OR%201=1", '/p/featured']));
    expect(t).toEqual(['GET /p/featured', 'GET /p/{pId}']);
    // One identifier is not enough evidence: the odd sibling stays as written.
    expect(inferHost('h', samples('GET', ['/p/1', '/p/..%2fetc'])).resolve('GET', '/p/..%2fetc')).toBe('/p/..%2fetc');
  });
});
