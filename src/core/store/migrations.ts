/**
 * Numbered, never-edited migrations. PRAGMA user_version holds the number of the last one
 * applied. To change the schema, append a migration; never edit one that has shipped.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'workspace, sources, exchanges, bodies, annotations',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

      -- One row per imported file; sha256 makes re-imports of the same content a no-op.
      CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        path TEXT,
        sha256 TEXT NOT NULL UNIQUE,
        format TEXT NOT NULL,
        size INTEGER,
        status TEXT NOT NULL CHECK (status IN ('running','complete','partial','failed','cancelled')),
        imported INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER
      ) STRICT;

      -- Bodies stored once by content hash; data is deflate-compressed when that pays.
      CREATE TABLE bodies (
        id INTEGER PRIMARY KEY,
        hash BLOB NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        compressed INTEGER NOT NULL,
        data BLOB NOT NULL
      ) STRICT;

      CREATE TABLE exchanges (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        entry_index INTEGER NOT NULL,
        time INTEGER NOT NULL,
        method TEXT NOT NULL,
        scheme TEXT NOT NULL,
        host TEXT NOT NULL,
        port INTEGER,
        path TEXT NOT NULL,
        query TEXT NOT NULL,
        http_version TEXT NOT NULL,
        status INTEGER,
        status_text TEXT NOT NULL,
        req_headers TEXT NOT NULL,
        resp_headers TEXT NOT NULL,
        req_body_id INTEGER REFERENCES bodies(id),
        resp_body_id INTEGER REFERENCES bodies(id),
        req_size INTEGER,
        resp_size INTEGER,
        mime TEXT,
        duration REAL,
        ip TEXT,
        client_ip TEXT,
        server_ip TEXT,
        principal TEXT,
        principal_kind TEXT,
        error TEXT,
        websocket TEXT,
        extra TEXT,
        UNIQUE (source_id, entry_index)
      ) STRICT;

      CREATE INDEX exchanges_time ON exchanges(time, id);
      CREATE INDEX exchanges_host ON exchanges(host, id);
      CREATE INDEX exchanges_path ON exchanges(path, id);
      CREATE INDEX exchanges_method ON exchanges(method, id);
      CREATE INDEX exchanges_status ON exchanges(status, id);
      CREATE INDEX exchanges_resp_size ON exchanges(resp_size, id);
      CREATE INDEX exchanges_duration ON exchanges(duration, id);
      CREATE INDEX exchanges_ip ON exchanges(ip, id);
      CREATE INDEX exchanges_principal ON exchanges(principal, id);

      -- Full-text index over textual bodies (rowid = bodies.id), filled by the importer.
      CREATE VIRTUAL TABLE body_fts USING fts5(text, content='', contentless_delete=1, tokenize='trigram');

      CREATE TABLE tags (
        exchange_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (exchange_id, tag)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX tags_tag ON tags(tag);

      CREATE TABLE annotations (
        exchange_id INTEGER PRIMARY KEY REFERENCES exchanges(id) ON DELETE CASCADE,
        highlight TEXT,
        comment TEXT,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'detection: runs, findings, finding requests, triage, suppressions',
    sql: `
      CREATE TABLE detection_runs (
        id INTEGER PRIMARY KEY,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        pack TEXT NOT NULL,
        rules INTEGER NOT NULL,
        exchanges INTEGER NOT NULL DEFAULT 0,
        findings INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('running','complete','failed','cancelled'))
      ) STRICT;

      -- One row per finding id (deterministic: rule + actor + endpoint + first request id).
      CREATE TABLE findings (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES detection_runs(id),
        rule TEXT NOT NULL,
        category TEXT NOT NULL,
        owasp TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('low','medium','high','critical')),
        confidence REAL NOT NULL,
        title TEXT NOT NULL,
        actor_ip TEXT,
        actor_principal TEXT,
        host TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        request_count INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        evidence TEXT NOT NULL
      ) STRICT;
      CREATE INDEX findings_run ON findings(run_id);
      CREATE INDEX findings_category ON findings(category, first_seen);
      CREATE INDEX findings_severity ON findings(severity, first_seen);

      -- Evidence requests (capped per finding); exchanges may live in another workspace (sidecar).
      CREATE TABLE finding_requests (
        finding_id TEXT NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
        exchange_id INTEGER NOT NULL,
        PRIMARY KEY (finding_id, exchange_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX finding_requests_exchange ON finding_requests(exchange_id);

      -- Analyst decisions outlive runs: keyed by finding id, not by a findings row.
      CREATE TABLE finding_triage (
        finding_id TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('open','confirmed','false-positive','suppressed')),
        note TEXT,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE suppressions (
        id INTEGER PRIMARY KEY,
        rule TEXT,
        actor TEXT,
        host TEXT,
        method TEXT,
        path TEXT,
        note TEXT,
        created_at INTEGER NOT NULL,
        CHECK (rule IS NOT NULL OR actor IS NOT NULL OR host IS NOT NULL OR path IS NOT NULL)
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'inventory: distinct paths, endpoint accumulators, template decisions, flags, incremental state',
    sql: `
      -- Distinct concrete paths per host+method with hits; template is what the last build made of it.
      CREATE TABLE inventory_paths (
        host TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        count INTEGER NOT NULL,
        keys TEXT,
        template TEXT,
        PRIMARY KEY (host, method, path)
      ) STRICT, WITHOUT ROWID;

      -- One row per endpoint template; state is the accumulator (JSON) later imports fold into.
      CREATE TABLE inventory_endpoints (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        method TEXT NOT NULL,
        template TEXT NOT NULL,
        count INTEGER NOT NULL,
        state TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX inventory_endpoints_host ON inventory_endpoints(host, template);

      -- Analyst decisions (merge/split/rename at a template prefix) outlive rebuilds and imports.
      CREATE TABLE inventory_decisions (
        id INTEGER PRIMARY KEY,
        host TEXT NOT NULL,
        method TEXT NOT NULL,
        prefix TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('merge','split','rename')),
        name TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (host, method, prefix, kind)
      ) STRICT;

      -- Badges other stages set on endpoints (spec diff: shadow, zombie, orphan), by source.
      CREATE TABLE inventory_flags (
        host TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        flag TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (host, method, path, flag, source)
      ) STRICT, WITHOUT ROWID;

      -- last exchange id folded in, catalogue fingerprint, decisions generation, build time.
      CREATE TABLE inventory_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    `,
  },
  {
    version: 5,
    name: 'replay: scope, environments, replays, identity-swap verdicts',
    sql: `
      -- Hosts replays may reach; a workspace starts with loopback only.
      CREATE TABLE replay_scope (entry TEXT PRIMARY KEY, added_at INTEGER NOT NULL) STRICT;
      INSERT INTO replay_scope (entry, added_at) VALUES ('loopback', 0);

      -- Named sets of {{variables}}; at most one is active.
      CREATE TABLE replay_environments (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        variables TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- Every request sent and what came back; bodies live in bodies (by hash) like exchanges'.
      CREATE TABLE replays (
        id INTEGER PRIMARY KEY,
        exchange_id INTEGER REFERENCES exchanges(id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('send','swap','session')),
        run_id INTEGER,
        step INTEGER,
        as_label TEXT,
        method TEXT NOT NULL,
        url TEXT NOT NULL,
        req_headers TEXT NOT NULL,
        req_body_id INTEGER REFERENCES bodies(id),
        status INTEGER,
        status_text TEXT NOT NULL DEFAULT '',
        resp_headers TEXT NOT NULL DEFAULT '[]',
        resp_body_id INTEGER REFERENCES bodies(id),
        resp_size INTEGER,
        truncated INTEGER NOT NULL DEFAULT 0,
        duration REAL,
        error TEXT,
        diff TEXT,
        verdict TEXT CHECK (verdict IN ('enforced','bypassed','unclear')),
        reason TEXT,
        finding_id TEXT
      ) STRICT;
      CREATE INDEX replays_exchange ON replays(exchange_id, id);
      CREATE INDEX replays_run ON replays(run_id, step);

      -- Identity-swap verdicts on a finding's evidence; keyed by finding id so they outlive runs.
      CREATE TABLE finding_verdicts (
        finding_id TEXT NOT NULL,
        replay_id INTEGER NOT NULL REFERENCES replays(id) ON DELETE CASCADE,
        exchange_id INTEGER NOT NULL,
        as_label TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('enforced','bypassed','unclear')),
        reason TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (finding_id, replay_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'policy: the workspace policy document',
    sql: `
      -- The policy text as the analyst last saved it (YAML, possibly invalid while being edited).
      CREATE TABLE policy_documents (
        slot TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 8,
    name: 'ingest: saved JSON-lines field mappings',
    sql: `
      -- The field mapping last used for a kind of JSON-lines log (keyed by its records' shape),
      -- reused when the next such file is imported without one.
      CREATE TABLE log_field_mappings (
        name TEXT PRIMARY KEY,
        mapping TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

export const SCHEMA_VERSION = Math.max(...migrations.map((m) => m.version));
