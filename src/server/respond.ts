/** Response helpers: every response carries the security headers; errors are ApiErrorShape JSON. */
import type { ServerResponse } from 'node:http';
import { ApiError, type ApiErrorShape } from '../shared/api.ts';
import { RENDERER_CSP } from './csp.ts';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
};

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
}

/** An error with the HTTP status it is answered with. */
export class HttpError extends Error {
  readonly status: number;
  readonly shape: ApiErrorShape;
  constructor(status: number, code: ApiErrorShape['code'], message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.shape = { code, message };
  }
}

const STATUS_FOR: Record<ApiErrorShape['code'], number> = {
  'bad-input': 400,
  filter: 400,
  workspace: 400,
  'not-found': 404,
  unauthorized: 401,
  cancelled: 409,
  internal: 500,
};

/** Maps anything thrown while serving a request to a status and an ApiErrorShape. */
export function toHttpError(err: unknown): { status: number; shape: ApiErrorShape } {
  if (err instanceof HttpError) return { status: err.status, shape: err.shape };
  if (err instanceof ApiError) return { status: STATUS_FOR[err.code] ?? 500, shape: err.toJSON() };
  return { status: 500, shape: { code: 'internal', message: (err as Error)?.message ?? String(err) } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const { status, shape } = toHttpError(err);
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="cartograph"');
  sendJson(res, status, shape);
}
