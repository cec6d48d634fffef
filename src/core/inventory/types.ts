/**
 * The inventory's vocabulary for the rest of core (spec export, spec diff, detection, graph).
 * Shapes crossing the Api live in src/shared/api-inventory.ts and are re-exported here.
 *
 * Entry points (src/core/inventory/index.ts):
 *   buildInventory(db, opts?)   full rebuild from every stored exchange, persisted (migration 4)
 *   loadInventory(db, opts?)    the persisted inventory, refined incrementally first when
 *                               exchanges were imported since the last build
 *   inventoryTemplateOf(db)     TemplateOf resolver (concrete path -> learned template) for
 *                               detect/graph/spec, same signature as detect's defaultTemplateOf
 */
import type { StoredExchange } from '../model/exchange.ts';

export type {
  AuthScheme,
  AuthSeen,
  Endpoint,
  EndpointDetail,
  EndpointFlag,
  InventoryJson,
  InventorySummary,
  Parameter,
  ParamLocation,
  ParamType,
  Schema,
  SchemaType,
  SensitiveClass,
  SensitiveHit,
  SiteHost,
  SiteNode,
  TemplateDecision,
  TemplateDecisionKind,
} from '../../shared/api-inventory.ts';

export interface InventoryOptions {
  /** Only this host. */
  host?: string;
  /** Sensitive-data catalogue folder(s); default resources/classifiers. */
  classifiers?: readonly string[];
  /** Bodies parsed per endpoint for schemas and sensitive data (default 200): bounded time on huge workspaces. */
  maxBodiesPerEndpoint?: number;
  /** Bodies larger than this are not parsed (default 1 MiB). */
  maxBodyBytes?: number;
  /** Clock (tests). */
  now?: () => number;
}

/** Concrete path -> template, per exchange (the same shape as detect's TemplateOf). */
export type TemplateResolver = (e: Pick<StoredExchange, 'host' | 'method' | 'path'>) => string;

/** What a typed segment recogniser made of one path segment. */
export type SegmentKind =
  | 'int'
  | 'uuid'
  | 'objectid'
  | 'ulid'
  | 'md5'
  | 'sha1'
  | 'sha256'
  | 'hex'
  | 'date'
  | 'datetime'
  | 'email'
  | 'token'
  | 'slug'
  | 'version'
  | 'word'
  | 'other';
