import { describe, expect, it } from 'vitest';
import { isAllowedRequestUrl, isAppUrl, isExternalHttpUrl, isTrustedSender } from '../../src/main/trust.ts';

const DEV = 'http://localhost:5173';

describe('main: who is trusted', () => {
  it('trusts only the app origin’s main frame (and the dev server in development)', () => {
    expect(isTrustedSender({ url: 'app://cartograph/index.html', parent: null })).toBe(true);
    expect(isTrustedSender({ url: 'app://cartograph/index.html', parent: {} })).toBe(false); // an iframe
    expect(isTrustedSender({ url: 'app://evil/index.html', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'app://user:pw@cartograph/', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'https://cartograph/', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'file:///work/out/renderer/index.html', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'about:blank', parent: null })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender({ url: `${DEV}/`, parent: null })).toBe(false);
    expect(isTrustedSender({ url: `${DEV}/`, parent: null }, DEV)).toBe(true);
    expect(isTrustedSender({ url: 'http://localhost:5174/', parent: null }, DEV)).toBe(false);
  });

  it('opens only plain http(s) links externally', () => {
    expect(isExternalHttpUrl('https://owasp.org/API-Security/')).toBe(true);
    expect(isExternalHttpUrl('http://example.com')).toBe(true);
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'app://cartograph/', 'https://user:pw@example.com/', 'not a url', 'ms-msdt:/id']) {
      expect(isExternalHttpUrl(url), url).toBe(false);
    }
  });

  it('lets the window load only its own files, never the network', () => {
    expect(isAllowedRequestUrl('app://cartograph/assets/index.js')).toBe(true);
    expect(isAllowedRequestUrl('data:font/ttf;base64,AAAA')).toBe(true);
    expect(isAllowedRequestUrl('blob:app://cartograph/0f0e')).toBe(true);
    expect(isAllowedRequestUrl('https://cdn.jsdelivr.net/npm/monaco-editor/min/vs/loader.js')).toBe(false);
    expect(isAllowedRequestUrl('http://127.0.0.1:8080/')).toBe(false);
    expect(isAllowedRequestUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedRequestUrl(`${DEV}/src/main.tsx`)).toBe(false);
    expect(isAllowedRequestUrl(`${DEV}/src/main.tsx`, DEV)).toBe(true);
    expect(isAllowedRequestUrl('ws://localhost:5173/', DEV)).toBe(true);
    expect(isAllowedRequestUrl('ws://evil.example/', DEV)).toBe(false);
    expect(isAppUrl('app://cartograph')).toBe(true);
  });
});
