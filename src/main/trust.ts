/**
 * Who the main process listens to and what the window may load: only the app's own main frame
 * (app://cartograph, or the electron-vite dev server in development), nothing from the network.
 */
import { APP_HOST, APP_SCHEME } from './channels.ts';

export interface FrameLike {
  url: string;
  /** null for the main frame. */
  parent: unknown;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Same app origin? (WHATWG gives custom schemes an opaque "null" origin, so compare parts.) */
export function isAppUrl(url: string, devOrigin?: string): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '') return true;
  return devOrigin !== undefined && u.origin === devOrigin;
}

/** The IPC sender is our own page, in the main frame (not an iframe, not a foreign page). */
export function isTrustedSender(frame: FrameLike | null | undefined, devOrigin?: string): boolean {
  if (!frame) return false;
  if (frame.parent !== null) return false;
  return isAppUrl(frame.url, devOrigin);
}

/** Links the user may open in their browser: plain http(s) URLs, nothing else (no file:, smb:, javascript:). */
export function isExternalHttpUrl(url: string): boolean {
  const u = parse(url);
  return u !== null && (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && u.username === '' && u.password === '';
}

/** What the window's session may fetch: the app's own files, inline data, devtools; in dev the Vite server. */
export function isAllowedRequestUrl(url: string, devOrigin?: string): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'devtools:') return true;
  if (isAppUrl(url, devOrigin)) return true;
  if (devOrigin !== undefined && (u.protocol === 'ws:' || u.protocol === 'wss:')) return u.host === new URL(devOrigin).host; // Vite HMR
  return false;
}
