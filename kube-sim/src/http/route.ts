/** A request path, classified before any lookup. */
export type Route =
  | { kind: 'version' }
  | { kind: 'health' }
  | { kind: 'openapi'; version: 'v2' | 'v3' }
  | { kind: 'coreVersions' }
  | { kind: 'groupList' }
  | { kind: 'group'; group: string }
  | { kind: 'resourceList'; group: string; version: string }
  | {
      kind: 'resource';
      group: string;
      version: string;
      resource: string;
      namespace?: string;
      name?: string;
      subresource?: string;
    }
  | { kind: 'unknown' };

/** Subresources of a Namespace, which otherwise read like "a resource in namespace X". */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRoute(pathname: string): Route {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  if (parts.length === 1 && parts[0] === 'version') return { kind: 'version' };
  if (parts.length === 1 && ['healthz', 'readyz', 'livez'].includes(parts[0])) return { kind: 'health' };
  if (parts[0] === 'openapi' && parts.length === 2 && (parts[1] === 'v2' || parts[1] === 'v3'))
    return { kind: 'openapi', version: parts[1] };
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'coreVersions' };
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'groupList' };
    if (parts.length === 2) return { kind: 'group', group: parts[1] };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return { kind: 'unknown' };
  if (rest.length === 0) return { kind: 'resourceList', group, version };
  const base = { kind: 'resource' as const, group, version };
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]))) {
    const [, namespace, resource, name, subresource, ...extra] = rest;
    if (extra.length > 0) return { kind: 'unknown' };
    return { ...base, namespace, resource: resource, ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) };
  }
  const [resource, name, subresource, ...extra] = rest;
  if (extra.length > 0) return { kind: 'unknown' };
  return { ...base, resource: resource, ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) };
}
