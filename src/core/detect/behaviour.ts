/**
 * Behaviour rules: baselines learned from the traffic itself (who was issued which objects, which
 * roles call which functions, which properties an endpoint normally receives, how much personal
 * data its peers return, what the published spec documents).
 *
 * Equivalence of offline and streaming detection: every model only *learns* while exchanges are
 * pushed (compact, capped statistics) and *judges* once, at flush, against everything it learned.
 * Offline detection drives the very same push/flush over the workspace in time order, so both
 * produce the same findings by construction; judging at the end is what a two-pass "learn, then
 * judge" run would compute, without reading the traffic twice. A long-running sidecar gets
 * behaviour findings when it flushes (e.g. at the end of each capture period).
 */
import type { ExchangeView } from './fields.ts';
import { jsonLeaves } from './fields.ts';
import { addView, newIncident, toFinding, type Incident } from './incidents.ts';
import { ALWAYS, compilePredicate, type Predicate } from './predicates.ts';
import { matchSpec, type CompiledSpec } from './spec.ts';
import { MAX_REQUEST_IDS, type BehaviourRuleSpec, type Finding, type GroupPart } from './types.ts';

export interface Model {
  readonly spec: BehaviourRuleSpec;
  /**
   * Learns from one exchange; returns null when not applicable, else (when `explain`) what it made
   * of it. Without `explain` the sentence is not built (push runs for every exchange): any non-null.
   */
  push(v: ExchangeView, explain: boolean): string | null;
  judge(): Finding[];
}

type Params = BehaviourRuleSpec['params'];
const num = (p: Params, k: string, d: number): number => (typeof p[k] === 'number' ? (p[k] as number) : d);
const str = (p: Params, k: string, d: string): string => (typeof p[k] === 'string' ? (p[k] as string) : d);
const re = (p: Params, k: string, d: string): RegExp => new RegExp(str(p, k, d), 'i');

const ACTOR: GroupPart[] = ['actor', 'endpoint'];

/** What push returns for an applicable exchange when no explanation was asked for. */
const LEARNED = 'learned';
const ENDPOINT: GroupPart[] = ['endpoint'];

/** A Set that stops growing at `cap` (we only ever need to know "at least cap"). */
function addCapped<T>(set: Set<T>, value: T, cap: number): void {
  if (set.size < cap) set.add(value);
}

/** orders → order, addresses → address, categories → category (good enough to pair paths and keys). */
export function singular(word: string): string {
  const w = word.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (/(?:s|x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && w.length > 3) return w.slice(0, -1);
  return w;
}

const VERSION = /^v\d+(?:\.\d+)?$/i;
const WRAPPERS = new Set(['data', 'items', 'results', 'result', 'records', 'content', 'list', 'rows', 'entries', 'hits', 'page', 'payload', 'response', 'body', '']);

function staticSegments(template: string): string[] {
  return template.split('/').filter((s) => s && !s.startsWith('{') && !VERSION.test(s) && s !== 'api' && s !== 'me');
}

/** Resource named by each {placeholder} of a template: the static segment before it. */
function placeholderResources(template: string): (string | null)[] {
  const parts = template.split('/');
  const out: (string | null)[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].startsWith('{')) {
      const prev = i > 0 && !parts[i - 1].startsWith('{') ? parts[i - 1] : null;
      out.push(prev ? singular(prev) : null);
    }
  }
  return out;
}

/** What object-ownership needs of a template, worked out once per distinct template. */
interface TemplateInfo {
  resources: (string | null)[];
  /** The resource a collection read or creation returns: the last static segment, singular. */
  own: string;
}
const templateInfos = new Map<string, TemplateInfo>();
function templateInfo(template: string): TemplateInfo {
  let info = templateInfos.get(template);
  if (info === undefined) {
    const statics = staticSegments(template);
    info = { resources: placeholderResources(template), own: statics.length ? singular(statics[statics.length - 1]) : '' };
    if (templateInfos.size >= 20_000) templateInfos.clear();
    templateInfos.set(template, info);
  }
  return info;
}

/**
 * The resource an `id` leaf names, from its parent property (`orders[].id` → order); null when the
 * parent is a wrapper (data, items…) and the id is of the endpoint's own resource. Leaf paths and
 * keys repeat across responses: both verdicts are memoised (pure, bounded, cleared when full).
 */
const parentResources = new Map<string, string | null>();
function idParentResource(path: string): string | null {
  let r = parentResources.get(path);
  if (r === undefined) {
    const parent = path.split('.').slice(-2, -1)[0]?.replace(/\[\]$/g, '') ?? '';
    r = WRAPPERS.has(parent.toLowerCase()) ? null : singular(parent);
    if (parentResources.size >= 10_000) parentResources.clear();
    parentResources.set(path, r);
  }
  return r;
}

/** The resource a `…_id`/`…Id`/`…uuid` key names (`customer_id` → customer), or null. */
const keyResources = new Map<string, string | null>();
function idKeyResource(key: string): string | null {
  let r = keyResources.get(key);
  if (r === undefined) {
    const m = /^(.+?)_?(?:id|uuid)$/i.exec(key);
    r = m && m[1].length > 1 ? singular(m[1]) : null;
    if (keyResources.size >= 10_000) keyResources.clear();
    keyResources.set(key, r);
  }
  return r;
}

function incidentFor(book: Map<string, Incident>, key: string, v: ExchangeView, parts: GroupPart[]): Incident {
  let inc = book.get(key);
  if (!inc) {
    inc = newIncident(key, v, parts);
    book.set(key, inc);
  }
  return inc;
}

// ---------- BOLA: objects issued to one principal, reached by another ----------

const SHARED = '\u0000shared';
const ID_IN_TEXT = /(?:id|uuid)"\s*:/i;

interface Access {
  obj: string;
  id: number;
  time: number;
  status: number | null;
  ip: string | null;
}

/**
 * One principal's object accesses on one endpoint, kept until the end of the run (judged against
 * every id issued by then). Parallel arrays rather than an object per access: a principal may hold
 * up to MAX_ACCESSES per endpoint, and the GC walks whatever the baseline holds.
 */
interface Candidate {
  inc: Incident;
  objs: string[];
  ids: number[];
  times: number[];
  /** -1 for no response. */
  statuses: number[];
  ips: (string | null)[];
}
const MAX_ACCESSES = 1000;

function accessesOf(c: Candidate): Access[] {
  const out: Access[] = [];
  for (let i = 0; i < c.objs.length; i++) out.push({ obj: c.objs[i], id: c.ids[i], time: c.times[i], status: c.statuses[i] === -1 ? null : c.statuses[i], ip: c.ips[i] });
  return out;
}

class ObjectOwnership implements Model {
  readonly spec: BehaviourRuleSpec;
  private readonly filter: Predicate;
  /** resource:id → the one principal it was issued to, or SHARED. LRU-capped. */
  private readonly owners = new Map<string, string>();
  /** principal → endpoint key → its object accesses (nested: no key is built per request). */
  private readonly candidates = new Map<string, Map<string, Candidate>>();
  private readonly maxKeys: number;
  private readonly minObjects: number;
  private readonly maxSharedShare: number;
  private readonly maxForeignShare: number;

  constructor(spec: BehaviourRuleSpec, maxKeys: number) {
    this.spec = spec;
    this.filter = spec.filter ? compilePredicate(spec.filter) : ALWAYS;
    this.maxKeys = maxKeys;
    this.minObjects = num(spec.params, 'minObjects', 3);
    this.maxSharedShare = num(spec.params, 'maxSharedShare', 0.3);
    this.maxForeignShare = num(spec.params, 'maxForeignShare', 0.1);
  }

  private issue(obj: string, principal: string): void {
    const cur = this.owners.get(obj);
    if (cur === undefined) {
      if (this.owners.size >= this.maxKeys) this.owners.delete(this.owners.keys().next().value as string);
      this.owners.set(obj, principal);
    } else if (cur !== principal && cur !== SHARED) this.owners.set(obj, SHARED);
  }

  push(v: ExchangeView, explain: boolean): string | null {
    const principal = v.e.principal;
    if (!principal || !this.filter.test(v, null)) return null;
    const { resources, own } = templateInfo(v.template);
    // Learn: ids in successful responses to collection reads and creations belong to the caller.
    if (v.succeeded && (resources.length === 0 || v.e.method === 'POST') && ID_IN_TEXT.test(v.responseText ?? '')) {
      const json = v.responseJson;
      if (json !== null && typeof json === 'object') {
        let learned = 0;
        jsonLeaves(json, (path, key, value) => {
          if (typeof value !== 'string' && typeof value !== 'number') return;
          if (typeof value === 'string' && (value.length > 64 || value === '\u0000object')) return;
          const resource = key === 'id' || key === '_id' || key === 'uuid' ? (idParentResource(path) ?? own) : idKeyResource(key);
          if (resource) {
            this.issue(`${resource}:${value}`, principal);
            learned++;
          }
        });
        if (learned) return explain ? `learned ${learned} object id(s) issued to ${principal}` : LEARNED;
      }
    }
    if (resources.length === 0) return 'no object id in the path';
    const params = v.pathParams;
    let byEndpoint = this.candidates.get(principal);
    if (!byEndpoint) this.candidates.set(principal, (byEndpoint = new Map()));
    let cand = byEndpoint.get(v.endpointKey);
    if (!cand) {
      cand = { inc: newIncident(`${principal}\u0000${v.endpointKey}`, v, ACTOR), objs: [], ids: [], times: [], statuses: [], ips: [] };
      byEndpoint.set(v.endpointKey, cand);
    }
    for (let i = 0; i < resources.length; i++) {
      if (resources[i] && cand.objs.length < MAX_ACCESSES) {
        cand.objs.push(`${resources[i]}:${params[i]}`);
        cand.ids.push(v.e.id);
        cand.times.push(v.e.time);
        cand.statuses.push(v.e.status ?? -1);
        cand.ips.push(v.e.ip ?? v.e.clientIp);
      }
    }
    return 'object access recorded; judged against issued ids at the end of the run';
  }

  judge(): Finding[] {
    // Resources whose ids are handed to many principals (catalogue items) are not owned objects.
    const perResource = new Map<string, { total: number; shared: number }>();
    for (const [obj, owner] of this.owners) {
      const r = obj.slice(0, obj.indexOf(':'));
      const s = perResource.get(r) ?? { total: 0, shared: 0 };
      s.total++;
      if (owner === SHARED) s.shared++;
      perResource.set(r, s);
    }
    const owned = (r: string) => {
      const s = perResource.get(r);
      return s !== undefined && s.total >= this.minObjects && s.shared / s.total <= this.maxSharedShare;
    };
    const foreignOf = (principal: string, accesses: Access[]) => {
      return accesses.filter((a) => {
        const owner = this.owners.get(a.obj);
        return owner !== undefined && owner !== SHARED && owner !== principal && owned(a.obj.slice(0, a.obj.indexOf(':')));
      });
    };
    // An endpoint where many principals read others' objects serves them by design (public profiles).
    const perEndpoint = new Map<string, { principals: number; foreign: number }>();
    const judged: { inc: Incident; endpoint: string; foreign: Access[] }[] = [];
    for (const [principal, byEndpoint] of this.candidates) {
      for (const [endpoint, cand] of byEndpoint) {
        const inc = cand.inc;
        const accesses = accessesOf(cand);
        const e = perEndpoint.get(endpoint) ?? { principals: 0, foreign: 0 };
        e.principals++;
        const foreign = foreignOf(principal, accesses);
        if (foreign.length) {
          e.foreign++;
          judged.push({ inc, endpoint, foreign });
        }
        perEndpoint.set(endpoint, e);
      }
    }
    const out: Finding[] = [];
    for (const { inc, endpoint, foreign } of judged) {
      const e = perEndpoint.get(endpoint)!;
      if (e.foreign > Math.max(1, this.maxForeignShare * e.principals)) continue;
      const byId = new Map<number, (typeof foreign)[number]>();
      for (const a of foreign) byId.set(a.id, a);
      const first = [...byId.values()][0];
      const f: Incident = { ...inc, ids: [], count: 0, succeeded: 0, failed: 0, firstId: first.id, firstTime: first.time, lastTime: first.time, ip: first.ip, facts: {} };
      for (const a of byId.values()) {
        if (f.ids.length < MAX_REQUEST_IDS) f.ids.push(a.id);
        f.count++;
        if (a.time > f.lastTime) f.lastTime = a.time;
        if (a.status !== null && a.status >= 200 && a.status < 400) f.succeeded++;
        else f.failed++;
      }
      const owners = new Set(foreign.map((a) => this.owners.get(a.obj)));
      f.facts = { objects: new Set(foreign.map((a) => a.obj)).size, owners: owners.size, sample: foreign[0].obj.replace(':', ' ') };
      out.push(toFinding(this.spec, f, ACTOR));
    }
    return out;
  }
}

// ---------- BFLA: functions a role never calls ----------

/** What one role's principals call (maps nested by role so no key is built per request). */
interface RoleState {
  members: Set<string>;
  /** function → principals calling it, with their incidents; null once it is common. */
  calls: Map<string, Map<string, Incident> | null>;
  /** host → template → principals reading it (GET/HEAD). */
  readers: Map<string, Map<string, Set<string>>>;
}

class RoleFunctions implements Model {
  readonly spec: BehaviourRuleSpec;
  private readonly filter: Predicate;
  private readonly roles = new Map<string, RoleState>();
  private readonly functionRoles = new Map<string, Set<string>>();
  private readonly maxPrincipals: number;
  private readonly minRolePrincipals: number;
  private readonly minReaders: number;
  private readonly privileged: RegExp;

  constructor(spec: BehaviourRuleSpec) {
    this.spec = spec;
    this.filter = spec.filter ? compilePredicate(spec.filter) : ALWAYS;
    this.maxPrincipals = num(spec.params, 'maxPrincipals', 1);
    this.minRolePrincipals = num(spec.params, 'minRolePrincipals', 5);
    this.minReaders = num(spec.params, 'minReaders', 3);
    this.privileged = re(spec.params, 'privilegedPath', '/(?:admin|administrator|internal|manage(?:ment)?|staff|superuser|sudo|ops|debug|system|root|backoffice|console)(?:/|$)');
  }

  push(v: ExchangeView, explain: boolean): string | null {
    const principal = v.e.principal;
    if (!principal || !this.filter.test(v, null)) return null;
    const role = v.role ?? 'authenticated';
    let st = this.roles.get(role);
    if (!st) this.roles.set(role, (st = { members: new Set(), calls: new Map(), readers: new Map() }));
    addCapped(st.members, principal, 10_000);
    const fn = v.endpointKey;
    let roles = this.functionRoles.get(fn);
    if (!roles) this.functionRoles.set(fn, (roles = new Set()));
    addCapped(roles, role, 64);
    if (v.e.method === 'GET' || v.e.method === 'HEAD') {
      let byTemplate = st.readers.get(v.e.host);
      if (!byTemplate) st.readers.set(v.e.host, (byTemplate = new Map()));
      let r = byTemplate.get(v.template);
      if (!r) byTemplate.set(v.template, (r = new Set()));
      addCapped(r, principal, this.minReaders);
    }
    let callers = st.calls.get(fn);
    if (callers === null) return explain ? `${role} callers commonly use ${fn}` : LEARNED;
    if (!callers) st.calls.set(fn, (callers = new Map()));
    const inc = incidentFor(callers, principal, v, ACTOR);
    addView(inc, v);
    if (callers.size > this.maxPrincipals) {
      st.calls.set(fn, null);
      return explain ? `${role} callers commonly use ${fn}` : LEARNED;
    }
    return explain ? `${callers.size} ${role} principal(s) so far call ${fn}; judged at the end of the run` : LEARNED;
  }

  judge(): Finding[] {
    const out: Finding[] = [];
    for (const [role, st] of this.roles) {
      if (st.members.size < this.minRolePrincipals) continue;
      for (const [fn, callers] of st.calls) {
        if (!callers) continue;
        const [host, method, template] = fn.split(' ');
        const otherRoles = [...(this.functionRoles.get(fn) ?? [])].filter((r) => r !== role);
        const readers = st.readers.get(host)?.get(template)?.size ?? 0;
        let why: string | null = null;
        if (this.privileged.test(template)) why = 'an administrative route';
        else if (otherRoles.length) why = `a function only ${otherRoles.join(', ')} callers use`;
        else if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && readers >= this.minReaders) why = `a ${method} on a resource ${role} callers only read`;
        if (!why) continue;
        for (const inc of callers.values()) {
          inc.facts = { role, why, members: st.members.size };
          out.push(toFinding(this.spec, inc, ACTOR, { confidence: role === 'authenticated' ? this.spec.confidence * 0.8 : this.spec.confidence }));
        }
      }
    }
    return out;
  }
}

// ---------- mass assignment: properties normal clients never send ----------

interface EndpointProps {
  writers: Set<string>;
  props: Map<string, Map<string, Incident> | null>;
  /** property → actors whose value for it the server echoed back in a 2xx response (accepted it). */
  echoed: Map<string, Set<string>>;
}

class RequestProperties implements Model {
  readonly spec: BehaviourRuleSpec;
  private readonly filter: Predicate;
  private readonly endpoints = new Map<string, EndpointProps>();
  private readonly maxActors: number;
  private readonly minActors: number;
  private readonly sensitive: RegExp;
  private readonly echoProperties: RegExp;
  private readonly maxKeys: number;

  constructor(spec: BehaviourRuleSpec, maxKeys: number) {
    this.spec = spec;
    this.filter = spec.filter ? compilePredicate(spec.filter) : ALWAYS;
    this.echoProperties = re(spec.params, 'echoProperties', '^(?:role|roles|is_?admin|admin|is_?staff|is_?superuser|superuser|permissions?|privileges?|scopes?|groups?|is_?verified|email_?verified|verified|approved|balance|credits?|plan|tier|premium)$');
    this.maxActors = num(spec.params, 'maxActors', 1);
    this.minActors = num(spec.params, 'minActors', 3);
    this.sensitive = re(spec.params, 'properties', '^(?:role|roles|is_?admin|admin|is_?staff|superuser|permissions?|privileges?|scopes?|groups?|balance|credits?|price|discount|verified|is_?verified|email_?verified|approved|owner(?:_?id)?|user_?id|account_?id|tenant(?:_?id)?|org(?:anization)?_?id|plan|tier|level|premium|quota|limit|internal|debug|deleted|locked|enabled|active|status|type)$');
    this.maxKeys = maxKeys;
  }

  private properties(v: ExchangeView): Set<string> {
    const out = new Set<string>();
    const json = v.requestJson;
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      for (const [k, val] of Object.entries(json)) {
        out.add(k);
        if (val && typeof val === 'object' && !Array.isArray(val)) for (const k2 of Object.keys(val).slice(0, 50)) out.add(`${k}.${k2}`);
        if (out.size > 200) break;
      }
    }
    for (const [k] of v.form) if (out.size < 200) out.add(k);
    return out;
  }

  push(v: ExchangeView, explain: boolean): string | null {
    if (!this.filter.test(v, null)) return null;
    const props = this.properties(v);
    if (props.size === 0) return 'no body properties';
    let ep = this.endpoints.get(v.endpointKey);
    if (!ep) {
      if (this.endpoints.size >= this.maxKeys) return 'too many endpoints tracked';
      this.endpoints.set(v.endpointKey, (ep = { writers: new Set(), props: new Map(), echoed: new Map() }));
    }
    addCapped(ep.writers, v.actor, 1000);
    this.recordEchoes(v, ep);
    for (const p of props) {
      let senders = ep.props.get(p);
      if (senders === null) continue;
      if (!senders) {
        if (ep.props.size >= 500) continue;
        ep.props.set(p, (senders = new Map()));
      }
      addView(incidentFor(senders, v.actor, v, ACTOR), v);
      // Sent by several actors: a normal property of this endpoint, stop tracking who sends it.
      if (senders.size > this.maxActors) ep.props.set(p, null);
    }
    return explain ? `recorded ${props.size} propert${props.size === 1 ? 'y' : 'ies'}; rarity judged at the end of the run` : LEARNED;
  }

  /**
   * Privileged top-level properties the 2xx JSON response returns with the value the request sent:
   * the server took them. Judged even where too few other actors write to compare with.
   */
  private recordEchoes(v: ExchangeView, ep: EndpointProps): void {
    const s = v.e.status;
    if (s === null || s < 200 || s >= 300) return;
    const req = v.requestJson;
    if (!req || typeof req !== 'object' || Array.isArray(req)) return;
    let resp: unknown;
    for (const [k, sent] of Object.entries(req)) {
      if (!this.echoProperties.test(k)) continue;
      resp ??= v.responseJson;
      if (!resp || typeof resp !== 'object' || Array.isArray(resp)) return;
      const back = (resp as Record<string, unknown>)[k];
      if (back === undefined || JSON.stringify(back) !== JSON.stringify(sent)) continue;
      let actors = ep.echoed.get(k);
      if (!actors) ep.echoed.set(k, (actors = new Set()));
      addCapped(actors, v.actor, 64);
    }
  }

  judge(): Finding[] {
    const out: Finding[] = [];
    for (const ep of this.endpoints.values()) {
      // One finding per actor and endpoint, naming every unusual property it sent.
      const perActor = new Map<string, { inc: Incident; props: string[]; accepted: boolean }>();
      for (const [prop, senders] of ep.props) {
        if (!senders) continue;
        const leaf = prop.slice(prop.lastIndexOf('.') + 1);
        if (!this.sensitive.test(leaf)) continue;
        const compared = ep.writers.size - senders.size >= this.minActors;
        for (const [actor, inc] of senders) {
          const accepted = ep.echoed.get(prop)?.has(actor) ?? false;
          if (!compared && !accepted) continue;
          const cur = perActor.get(actor);
          if (!cur) perActor.set(actor, { inc: { ...inc, ids: inc.ids.slice() }, props: [prop], accepted });
          else {
            cur.props.push(prop);
            cur.accepted ||= accepted;
            mergeInto(cur.inc, inc);
          }
        }
      }
      for (const { inc, props, accepted } of perActor.values()) {
        const others = ep.writers.size - 1;
        const why = others >= this.minActors ? `none of its ${others} other writers send it` : `no other writer sends it`;
        inc.facts = { property: props.sort().join("', '"), writers: others, why: accepted ? `${why}, and the response echoed it back` : why };
        out.push(toFinding(this.spec, inc, ACTOR));
      }
    }
    return out;
  }
}

/** Adds another incident's requests of the same actor and endpoint (ids are request ids: union). */
function mergeInto(into: Incident, other: Incident): void {
  const ids = new Set(into.ids);
  for (const id of other.ids) {
    if (ids.has(id)) continue;
    ids.add(id);
    into.count++;
  }
  into.ids = [...ids].sort((a, b) => a - b).slice(0, MAX_REQUEST_IDS);
  if (other.firstId < into.firstId) into.firstId = other.firstId;
  into.firstTime = Math.min(into.firstTime, other.firstTime);
  into.lastTime = Math.max(into.lastTime, other.lastTime);
  into.succeeded = Math.max(into.succeeded, other.succeeded);
  into.failed = Math.max(into.failed, other.failed);
}

// ---------- excessive personal data compared with peer endpoints ----------

class ResponseExposure implements Model {
  readonly spec: BehaviourRuleSpec;
  private readonly filter: Predicate;
  private readonly endpoints = new Map<string, { inc: Incident; fields: Set<string> }>();
  private readonly personal: RegExp;
  private readonly personalInText: RegExp;
  private readonly minFields: number;
  private readonly ratio: number;
  private readonly minPeers: number;
  private readonly maxKeys: number;

  constructor(spec: BehaviourRuleSpec, maxKeys: number) {
    this.spec = spec;
    this.filter = spec.filter ? compilePredicate(spec.filter) : ALWAYS;
    this.personal = re(spec.params, 'fields', '^(?:e?mail|email_?address|phone(?:_?number)?|mobile|address|street|city|zip|postcode|postal_?code|birth_?date|date_?of_?birth|dob|birthday|ssn|social_?security(?:_?number)?|national_?id|passport(?:_?number)?|tax_?id|driver_?licen[cs]e|card_?number|pan|cvv|iban|account_?number|salary|income|gender|ethnicity|religion|medical|diagnosis|password|password_?hash|security_?answer|ip_?address|last_?login_?ip|lat|lng|latitude|longitude|full_?name|first_?name|last_?name|maiden_?name)$');
    this.personalInText = new RegExp(`"(?:${this.personal.source.replace(/^\^/, '').replace(/\$$/, '')})"\\s*:`, 'i');
    this.minFields = num(spec.params, 'minFields', 6);
    this.ratio = num(spec.params, 'ratio', 2);
    this.minPeers = num(spec.params, 'minPeers', 2);
    this.maxKeys = maxKeys;
  }

  push(v: ExchangeView, explain: boolean): string | null {
    if (!v.succeeded || !this.filter.test(v, null)) return null;
    // Cheap look at the raw text before parsing: most responses name no personal field at all.
    const text = v.responseText;
    if (text === null || !this.personalInText.test(text)) return null;
    const json = v.responseJson;
    if (json === null || typeof json !== 'object') return null;
    const found = new Set<string>();
    jsonLeaves(json, (_p, key) => {
      if (key && found.size < 64 && this.personal.test(key)) found.add(key.toLowerCase());
    });
    let ep = this.endpoints.get(v.endpointKey);
    if (!ep) {
      if (this.endpoints.size >= this.maxKeys) return null;
      this.endpoints.set(v.endpointKey, (ep = { inc: newIncident(v.endpointKey, v, ENDPOINT), fields: new Set() }));
    }
    if (found.size === 0) return 'no personal-data fields in the response';
    for (const f of found) addCapped(ep.fields, f, 64);
    addView(ep.inc, v);
    return explain ? `${found.size} personal-data field(s) in the response; compared with peer endpoints at the end of the run` : LEARNED;
  }

  judge(): Finding[] {
    const byHost = new Map<string, { inc: Incident; fields: Set<string> }[]>();
    for (const ep of this.endpoints.values()) {
      if (ep.fields.size === 0) continue;
      const list = byHost.get(ep.inc.host) ?? [];
      list.push(ep);
      byHost.set(ep.inc.host, list);
    }
    const out: Finding[] = [];
    for (const eps of byHost.values()) {
      for (const ep of eps) {
        if (ep.fields.size < this.minFields) continue;
        const peers = eps.filter((p) => p !== ep).map((p) => p.fields.size).sort((a, b) => a - b);
        if (peers.length < this.minPeers) continue;
        const median = peers[Math.floor(peers.length / 2)];
        if (ep.fields.size < this.ratio * median) continue;
        ep.inc.facts = { fields: ep.fields.size, median, sample: [...ep.fields].sort().slice(0, 6).join(', ') };
        out.push(toFinding(this.spec, ep.inc, ENDPOINT));
      }
    }
    return out;
  }
}

// ---------- shadow and zombie endpoints ----------

interface Served {
  inc: Incident;
  samplePath: string;
  served: number;
}

class EndpointTable {
  readonly endpoints = new Map<string, Served>();
  private readonly maxKeys: number;
  constructor(maxKeys: number) {
    this.maxKeys = maxKeys;
  }
  add(v: ExchangeView): Served | null {
    const s = v.e.status;
    // Only what the server actually served: 404/405 and dropped requests say the endpoint is not there.
    if (s === null || s === 404 || s === 405 || s === 501) return null;
    let ep = this.endpoints.get(v.endpointKey);
    if (!ep) {
      if (this.endpoints.size >= this.maxKeys) return null;
      this.endpoints.set(v.endpointKey, (ep = { inc: newIncident(v.endpointKey, v, ENDPOINT), samplePath: v.e.path, served: 0 }));
    }
    ep.served++;
    addView(ep.inc, v);
    return ep;
  }
}

class Shadow implements Model {
  readonly spec: BehaviourRuleSpec;
  private readonly filter: Predicate;
  private readonly table: EndpointTable;
  private readonly compiled: CompiledSpec | null;

  constructor(spec: BehaviourRuleSpec, maxKeys: number, compiled: CompiledSpec | null) {
    this.spec = spec;
    this.filter = spec.filter ? compilePredicate(spec.filter) : ALWAYS;
    this.table = new EndpointTable(maxKeys);
    this.compiled = compiled;
  }

  push(v: ExchangeView, explain: boolean): string | null {
    if (!this.compiled) return 'no published spec given: shadow endpoints are not judged';
    if (!this.filter.test(v, null)) return null;
    const op = matchSpec(this.compiled, v.e.method, v.e.path);
    if (op) return explain ? `documented as ${op.method} ${op.pathTemplate}` : LEARNED;
    return this.table.add(v) ? (explain ? `${v.e.method} ${v.template} is not in the published spec` : LEARNED) : 'not served (no response or 404/405)';
  }

  judge(): Finding[] {
    const out: Finding[] = [];
    for (const ep of this.table.endpoints.values()) {
      ep.inc.facts = { sample: ep.samplePath, operations: this.compiled?.operations.length ?? 0 };
      out.push(toFinding(this.spec, ep.inc, ENDPOINT));
    }
    return out;
  }
}

class Zombie implements Model {
  readonly spec: BehaviourRuleSpec;
  private readonly filter: Predicate;
  private readonly table: EndpointTable;
  private readonly deprecated = new Map<string, Served & { op: string }>();
  private readonly compiled: CompiledSpec | null;

  constructor(spec: BehaviourRuleSpec, maxKeys: number, compiled: CompiledSpec | null) {
    this.spec = spec;
    this.filter = spec.filter ? compilePredicate(spec.filter) : ALWAYS;
    this.table = new EndpointTable(maxKeys);
    this.compiled = compiled;
  }

  push(v: ExchangeView, explain: boolean): string | null {
    if (!this.filter.test(v, null)) return null;
    const ep = this.table.add(v);
    if (!ep) return 'not served (no response or 404/405)';
    const op = this.compiled ? matchSpec(this.compiled, v.e.method, v.e.path) : null;
    if (op?.deprecated && !this.deprecated.has(v.endpointKey)) this.deprecated.set(v.endpointKey, { ...ep, op: `${op.method} ${op.pathTemplate}` });
    if (op?.deprecated) return explain ? `served, and the spec marks ${op.method} ${op.pathTemplate} deprecated` : LEARNED;
    return VERSION_IN_PATH.test(v.template) ? 'versioned endpoint recorded; compared with newer versions at the end of the run' : 'served; not deprecated in the spec';
  }

  judge(): Finding[] {
    const out: Finding[] = [];
    const flagged = new Set<string>();
    for (const [key, ep] of this.deprecated) {
      flagged.add(key);
      const current = this.table.endpoints.get(key)!;
      current.inc.facts = { why: `the published spec marks ${ep.op} as deprecated` };
      out.push(toFinding(this.spec, current.inc, ENDPOINT));
    }
    // Superseded: the same operation is served under a higher version segment.
    const families = new Map<string, { version: number; key: string; ep: Served }[]>();
    for (const [key, ep] of this.table.endpoints) {
      const m = VERSION_IN_PATH.exec(ep.inc.path);
      if (!m) continue;
      const family = `${ep.inc.host} ${ep.inc.method} ${ep.inc.path.replace(VERSION_IN_PATH, '/{version}/')}`;
      const list = families.get(family) ?? [];
      list.push({ version: Number(m[1]), key, ep });
      families.set(family, list);
    }
    for (const list of families.values()) {
      if (list.length < 2) continue;
      const newest = Math.max(...list.map((x) => x.version));
      for (const x of list) {
        if (x.version >= newest || flagged.has(x.key)) continue;
        x.ep.inc.facts = { why: `v${newest} of the same operation is also served` };
        out.push(toFinding(this.spec, x.ep.inc, ENDPOINT));
      }
    }
    return out;
  }
}

const VERSION_IN_PATH = /\/v(\d+)(?:\.\d+)?(?=\/|$)\/?/i;

export function createModel(spec: BehaviourRuleSpec, maxKeys: number, compiled: CompiledSpec | null): Model {
  switch (spec.model) {
    case 'object-ownership': return new ObjectOwnership(spec, maxKeys);
    case 'role-functions': return new RoleFunctions(spec);
    case 'request-properties': return new RequestProperties(spec, maxKeys);
    case 'response-exposure': return new ResponseExposure(spec, maxKeys);
    case 'shadow': return new Shadow(spec, maxKeys, compiled);
    case 'zombie': return new Zombie(spec, maxKeys, compiled);
  }
}

