/**
 * The renderer's Content-Security-Policy, one string for both front doors that serve it (the
 * loopback web server and Electron's app:// protocol). The renderer loads nothing from the
 * network: scripts, workers (Monaco's, the graph layout's) and fonts come from its own origin;
 * inline styles are allowed because Monaco and React Flow position elements with style attributes.
 */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
