import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyExchange, type Exchange, type Header } from '../../../src/core/model/exchange.ts';
import { clientIpOf, extractIdentity } from '../../../src/core/model/identity.ts';

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (payload: unknown): string => `${b64({ alg: 'HS256' })}.${b64(payload)}.signature`;
const sha12 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

function exchange(headers: Header[], more: Partial<Exchange> = {}): Exchange {
  return { ...emptyExchange(), requestHeaders: headers, ...more };
}

describe('principal', () => {
  it('reads JWT sub (unverified), Basic users and fingerprints opaque tokens', () => {
    expect(extractIdentity(exchange([['Authorization', `Bearer ${jwt({ sub: 'alice' })}`]]))).toMatchObject({ principal: 'alice', principalKind: 'jwt' });
    expect(extractIdentity(exchange([['authorization', `Bearer ${jwt({ email: 'bob@example.com' })}`]])).principal).toBe('bob@example.com');
    expect(extractIdentity(exchange([['Authorization', `Basic ${Buffer.from('carol:secret').toString('base64')}`]]))).toMatchObject({ principal: 'carol', principalKind: 'basic' });
    expect(extractIdentity(exchange([['Authorization', 'Bearer opaque-123']]))).toMatchObject({ principal: `bearer:${sha12('opaque-123')}`, principalKind: 'bearer' });
    expect(extractIdentity(exchange([['Authorization', 'Digest abc']])).principal).toBe(`digest:${sha12('abc')}`);
  });

  it('masks API keys from headers and the query, and names session cookies by hash', () => {
    expect(extractIdentity(exchange([['X-Api-Key', 'k_0123456789']]))).toMatchObject({ principal: `key:k_01…${sha12('k_0123456789')}`, principalKind: 'api-key' });
    expect(extractIdentity(exchange([], { query: 'api_key=abcdefgh12' })).principal).toBe(`key:abcd…${sha12('abcdefgh12')}`);
    expect(extractIdentity(exchange([], { query: 'api_key=short' })).principal).toBeNull();
    expect(extractIdentity(exchange([['Cookie', 'theme=dark; PHPSESSID=s3ss10n']]))).toMatchObject({ principal: `cookie:PHPSESSID:${sha12('s3ss10n')}`, principalKind: 'session' });
    expect(extractIdentity(exchange([['Cookie', `token=${jwt({ sub: 'dave' })}`]])).principal).toBe('dave');
  });

  it('prefers a gateway consumer, then Authorization, then API keys', () => {
    const headers: Header[] = [['X-Api-Key', 'k_0123456789'], ['Authorization', `Bearer ${jwt({ sub: 'erin' })}`]];
    expect(extractIdentity(exchange(headers)).principal).toBe('erin');
    expect(extractIdentity(exchange(headers, { extra: { consumer: 'partner-app' } }))).toMatchObject({ principal: 'partner-app', principalKind: 'consumer' });
  });

  it('uses the first of repeated headers, as headerValue does', () => {
    expect(extractIdentity(exchange([['x-api-key', ''], ['X-API-KEY', 'k_zzzzzzzzzz'], ['api-key', 'k_second999']])).principal).toBe(`key:k_se…${sha12('k_second999')}`);
  });

  it('stays right past the memo capacity and for huge tokens', () => {
    for (let i = 0; i < 25_000; i += 997) {
      expect(extractIdentity(exchange([['Authorization', `Bearer ${jwt({ sub: `user-${i}` })}`]])).principal).toBe(`user-${i}`);
    }
    for (let i = 0; i < 25_000; i++) extractIdentity(exchange([['Authorization', `Bearer ${jwt({ sub: `u${i}` })}`]]));
    expect(extractIdentity(exchange([['Authorization', `Bearer ${jwt({ sub: 'u24999' })}`]])).principal).toBe('u24999');
    const huge = 'x'.repeat(3 * 1024 * 1024);
    expect(extractIdentity(exchange([['Authorization', `Bearer ${huge}`]])).principal).toBe(`bearer:${sha12(huge)}`);
    expect(extractIdentity(exchange([['Authorization', `Bearer ${huge}`]])).principal).toBe(`bearer:${sha12(huge)}`);
  });
});

describe('client IP', () => {
  it('is the peer when nothing forwards, normalised', () => {
    expect(clientIpOf(exchange([], { clientIp: '198.51.100.7' }))).toBe('198.51.100.7');
    expect(clientIpOf(exchange([], { clientIp: '198.51.100.7:443' }))).toBe('198.51.100.7');
    expect(clientIpOf(exchange([], { clientIp: '[2001:db8::1]' }))).toBe('2001:db8::1');
    expect(clientIpOf(exchange([], { clientIp: '::ffff:10.1.2.3' }))).toBe('10.1.2.3');
    expect(clientIpOf(exchange([], { clientIp: 'not-an-ip' }))).toBe('not-an-ip');
    expect(clientIpOf(exchange([]))).toBeNull();
  });

  it('walks X-Forwarded-For from the right past trusted proxies only', () => {
    const xff: Header = ['X-Forwarded-For', '203.0.113.9, 198.51.100.20, 10.0.0.5'];
    expect(clientIpOf(exchange([xff], { clientIp: '10.0.0.1' }))).toBe('198.51.100.20');
    expect(clientIpOf(exchange([xff], { clientIp: '10.0.0.1' }), ['198.51.100.0/24'])).toBe('203.0.113.9');
    // A public peer is not a proxy we trust: its X-Forwarded-For could be forged.
    expect(clientIpOf(exchange([xff], { clientIp: '192.0.2.50' }))).toBe('192.0.2.50');
    expect(clientIpOf(exchange([['X-Forwarded-For', '10.0.0.7, 10.0.0.8']]))).toBe('10.0.0.7');
    expect(clientIpOf(exchange([['X-Forwarded-For', 'garbage, 203.0.113.4:8080']]))).toBe('203.0.113.4');
  });

  it('trusts the configured proxy ranges, skipping unreadable ones, with the same answers on every call', () => {
    const proxies = ['not a cidr', '2001:db8::/32', '192.0.2.0/24'];
    const xff: Header = ['X-Forwarded-For', '203.0.113.9, 2001:db8::7, 192.0.2.60'];
    for (let i = 0; i < 3; i++) {
      // 192.0.2.50 (peer) and 192.0.2.60 are in a configured range, 2001:db8::7 in the other: the client is 203.0.113.9.
      expect(clientIpOf(exchange([xff], { clientIp: '192.0.2.50' }), proxies)).toBe('203.0.113.9');
      expect(extractIdentity(exchange([xff], { clientIp: '192.0.2.50' }), { trustedProxies: proxies }).ip).toBe('203.0.113.9');
      // Without the list, the public peer is not trusted and its forwarding header is ignored.
      expect(clientIpOf(exchange([xff], { clientIp: '192.0.2.50' }))).toBe('192.0.2.50');
      // An IPv6 range never matches an IPv4 hop.
      expect(clientIpOf(exchange([['X-Forwarded-For', '203.0.113.9, 198.51.100.20']], { clientIp: '10.0.0.1' }), ['2001:db8::/32'])).toBe('198.51.100.20');
    }
  });

  it('falls back to X-Real-IP behind a trusted peer', () => {
    expect(clientIpOf(exchange([['X-Real-IP', '203.0.113.77']], { clientIp: '127.0.0.1' }))).toBe('203.0.113.77');
    expect(clientIpOf(exchange([['X-Real-IP', '203.0.113.77']], { clientIp: '192.0.2.50' }))).toBe('192.0.2.50');
  });
});
