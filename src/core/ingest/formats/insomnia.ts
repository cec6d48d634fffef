import { parse as parseYaml } from 'yaml';
import { emptyExchange } from '../../model/exchange.ts';
import type { Exchange } from '../../model/exchange.ts';
import { headText, ReadError } from '../reader.ts';
import type { ReadItem, Reader } from '../reader.ts';
import { DEFAULT_MAX_DOCUMENT_BYTES, MAX_NESTING, nestsDeeperThan, isRecord, readWhole, sizeOption, str, stripBom } from './lib/bytes.ts';
import { addDefaultHeader, lookupFrom, looseUrl, multipartBody, resolveTemplate } from './lib/template.ts';

/**
 * Insomnia export format 4 (Application → Export Data, JSON or YAML): `_type: export`,
 * `__export_format: 4` and a flat `resources` list linked by `parentId` — workspaces, folders
 * (`request_group`, which may carry an `environment`), environments and requests. Requests carry
 * no responses, so every exchange has status null. `{{ _.name }}` resolves from the folder chain
 * and the workspace's base environment; anything else stays visible.
 */

type Json = Record<string, unknown>;
const MAX_DEPTH = 64;

function list(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function flatten(data: unknown, prefix = '', out = new Map<string, string>(), depth = 0): Map<string, string> {
  if (!isRecord(data) || depth > 8) return out;
  for (const [k, v] of Object.entries(data)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isRecord(v)) flatten(v, key, out, depth + 1);
    else if (v !== null && v !== undefined && typeof v !== 'object') out.set(key, String(v));
  }
  return out;
}

function requestToExchange(r: Json, resolve: (s: string) => string): Exchange {
  const x = emptyExchange();
  const url = resolve(str(r.url));
  if (!url.trim()) throw new Error('request has no URL');
  Object.assign(x, looseUrl(url));
  const params = list(r.parameters).filter((p) => p.disabled !== true);
  if (params.length > 0) {
    const extra = params.map((p) => `${encodeURIComponent(resolve(str(p.name)))}=${encodeURIComponent(resolve(str(p.value)))}`).join('&');
    x.query = `${x.query ? `${x.query}&` : '?'}${extra}`;
  }
  x.method = (str(r.method) || 'GET').toUpperCase();
  x.requestHeaders = list(r.headers)
    .filter((h) => h.disabled !== true && str(h.name) !== '')
    .map((h) => [resolve(str(h.name)), resolve(str(h.value))] as const);
  const body = isRecord(r.body) ? r.body : {};
  const mime = str(body.mimeType);
  if (typeof body.text === 'string' && body.text !== '') {
    x.requestBody = Buffer.from(resolve(body.text), 'utf8');
  } else if (Array.isArray(body.params)) {
    const fields = list(body.params).filter((p) => p.disabled !== true);
    if (mime === 'multipart/form-data') {
      const m = multipartBody(fields.map((p) => (str(p.type) === 'file' ? { name: resolve(str(p.name)), value: '', fileName: str(p.fileName).split('/').pop() ?? '' } : { name: resolve(str(p.name)), value: resolve(str(p.value)) })));
      x.requestBody = m.body;
      addDefaultHeader(x.requestHeaders, 'Content-Type', m.contentType);
    } else {
      x.requestBody = Buffer.from(new URLSearchParams(fields.map((p): [string, string] => [resolve(str(p.name)), resolve(str(p.value))])).toString(), 'utf8');
    }
  }
  if (mime && x.requestBody) addDefaultHeader(x.requestHeaders, 'Content-Type', mime);
  if (x.requestBody) x.requestSize = x.requestBody.length;
  const auth = isRecord(r.authentication) ? r.authentication : {};
  if (auth.disabled !== true) {
    const type = str(auth.type);
    if (type === 'bearer') addDefaultHeader(x.requestHeaders, 'Authorization', `${resolve(str(auth.prefix)) || 'Bearer'} ${resolve(str(auth.token))}`);
    else if (type === 'basic') addDefaultHeader(x.requestHeaders, 'Authorization', `Basic ${Buffer.from(`${resolve(str(auth.username))}:${resolve(str(auth.password))}`, 'utf8').toString('base64')}`);
    else if (type === 'apikey') {
      const key = resolve(str(auth.key));
      const value = resolve(str(auth.value));
      if (str(auth.addTo) === 'queryParams') x.query = `${x.query ? `${x.query}&` : '?'}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
      else if (key) addDefaultHeader(x.requestHeaders, key, value);
    }
  }
  return x;
}

function parseDocument(text: string): unknown {
  const t = stripBom(text).trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return JSON.parse(t);
  if (nestsDeeperThan(t)) throw new Error(`nested deeper than ${MAX_NESTING} levels`);
  return parseYaml(t, { maxAliasCount: 100 });
}

export const insomniaReader: Reader = {
  id: 'insomnia',
  label: 'Insomnia export (v4, JSON or YAML)',
  producers: ['Insomnia 2020–2023 (Export Data, format 4)'],
  extensions: ['.json', '.yaml', '.yml'],
  sniff(head) {
    const t = headText(head);
    if (/"__export_format"\s*:\s*4/.test(t) && /"_type"\s*:\s*"export"/.test(t)) return 0.97;
    if (/^\s*_type:\s*export\s*$/m.test(t) && /^\s*__export_format:\s*4\s*$/m.test(t)) return 0.97;
    return 0;
  },
  async *read(input, ctx): AsyncGenerator<ReadItem> {
    const bytes = await readWhole(input, ctx, sizeOption(ctx, 'maxDocumentBytes', DEFAULT_MAX_DOCUMENT_BYTES), 'Insomnia export');
    let doc: unknown;
    try {
      doc = parseDocument(bytes.toString('utf8'));
    } catch (err) {
      throw new ReadError(`not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`, 'document');
    }
    if (!isRecord(doc) || str(doc._type) !== 'export' || !Array.isArray(doc.resources)) throw new ReadError('not an Insomnia export (no _type: export with resources)', 'document');
    if (Number(doc.__export_format) !== 4) throw new ReadError(`Insomnia export format ${str(doc.__export_format) || '?'} is not supported (format 4 is)`, '__export_format');
    const resources = list(doc.resources);
    const byId = new Map<string, Json>();
    for (const r of resources) if (str(r._id)) byId.set(str(r._id), r);
    // Base environments hang off a workspace; the first per workspace is the one Insomnia uses.
    const baseEnv = new Map<string, Map<string, string>>();
    for (const r of resources) {
      if (str(r._type) === 'environment' && str(r.parentId).startsWith('wrk_') && !baseEnv.has(str(r.parentId))) baseEnv.set(str(r.parentId), flatten(r.data));
    }
    let index = 0;
    for (const r of resources) {
      if (str(r._type) !== 'request') continue;
      ctx.signal.throwIfAborted();
      index++;
      const name = str(r.name) || str(r._id);
      // Folder chain, nearest first, up to the workspace.
      const scopes: Map<string, string>[] = [];
      const folders: string[] = [];
      let parent = byId.get(str(r.parentId));
      let depth = 0;
      while (parent && depth++ < MAX_DEPTH) {
        if (str(parent._type) === 'request_group') {
          scopes.push(flatten(parent.environment));
          folders.unshift(str(parent.name));
        }
        if (str(parent._type) === 'workspace') {
          const env = baseEnv.get(str(parent._id));
          if (env) scopes.push(env);
          break;
        }
        parent = byId.get(str(parent.parentId));
      }
      const lookup = lookupFrom(...scopes);
      try {
        const x = requestToExchange(r, (s) => resolveTemplate(s, lookup));
        x.extra = { insomniaRequest: [...folders, name].join(' / ') };
        yield { kind: 'exchange', index, exchange: x };
      } catch (err) {
        yield { kind: 'skip', index, at: `request "${name}" (${str(r._id)})`, message: (err as Error).message };
      }
    }
  },
};
