import type { Endpoint, InventoryJson } from './types.ts';

/** cli-contract.md `inventory --json` element: the contract's fields first, additions after. */
export function inventoryJson(e: Endpoint): InventoryJson {
  return {
    host: e.host,
    method: e.method,
    path: e.path,
    count: e.count,
    statuses: e.statuses,
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    params: e.params.map((p) => ({ in: p.in, name: p.name, type: p.type, ...(p.format ? { format: p.format } : {}), required: p.required })),
    auth: e.auth,
    sensitive: e.sensitive,
    principals: e.principals,
    ips: e.ips,
    latency: e.latency,
    findings: e.findings,
    flags: e.flags,
  };
}
