import type { StatusCause } from '../api-error';
import { JsonObject, deepEqual, isObject } from '../json-value';
import { duplicate, forbidden, invalidValue, required } from './field-errors';
import { nameErrors } from './object-names';

/** Services: ports (names, ranges, target ports), ExternalName, node ports, and a cluster IP that stays. */

const PORT_RANGE = 'must be between 1 and 65535, inclusive';

/** An IANA service name, as a named targetPort must be. */
function portNameErrors(path: string, name: string): StatusCause[] {
  if (name.length > 15) return [invalidValue(path, name, 'must be no more than 15 characters')];
  if (!/^[-a-z0-9]+$/.test(name))
    return [invalidValue(path, name, 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)')];
  if (!/[a-z]/.test(name)) return [invalidValue(path, name, 'must contain at least one letter or number (a-z, 0-9)')];
  if (name.includes('--')) return [invalidValue(path, name, 'must not contain consecutive hyphens')];
  if (name.startsWith('-') || name.endsWith('-')) return [invalidValue(path, name, 'must not begin or end with a hyphen')];
  return [];
}

export function validateService(object: JsonObject, live: JsonObject | undefined): StatusCause[] {
  const spec = isObject(object['spec']) ? object['spec'] : {};
  const type = String(spec['type'] ?? 'ClusterIP');
  const causes: StatusCause[] = [];
  const ports = Array.isArray(spec['ports']) ? spec['ports'].filter(isObject) : [];
  const names = new Set<string>();
  for (const [i, port] of ports.entries()) {
    const at = `spec.ports[${i}]`;
    const name = typeof port['name'] === 'string' ? port['name'] : '';
    if (ports.length > 1 && name === '') causes.push(required(`${at}.name`));
    else if (name !== '') {
      if (names.has(name)) causes.push(duplicate(`${at}.name`, name));
      else causes.push(...nameErrors(`${at}.name`, name, 'label'));
      names.add(name);
    }
    const number = Number(port['port'] ?? 0);
    if (!(number >= 1 && number <= 65535)) causes.push(invalidValue(`${at}.port`, number, PORT_RANGE));
    const target = port['targetPort'];
    if (typeof target === 'number' && !(target >= 1 && target <= 65535)) causes.push(invalidValue(`${at}.targetPort`, target, PORT_RANGE));
    if (typeof target === 'string') causes.push(...portNameErrors(`${at}.targetPort`, target));
    if (port['nodePort'] !== undefined && (type === 'ClusterIP' || type === 'ExternalName'))
      causes.push(forbidden(`${at}.nodePort`, `may not be used when \`type\` is '${type}'`));
  }
  if (type === 'ExternalName' && !spec['externalName']) causes.push(required('spec.externalName'));
  const liveSpec = live && isObject(live['spec']) ? live['spec'] : undefined;
  // A cluster IP may not change while the Service keeps one.
  if (
    liveSpec &&
    type !== 'ExternalName' &&
    liveSpec['type'] !== 'ExternalName' &&
    !deepEqual(spec['clusterIPs'], liveSpec['clusterIPs'])
  ) {
    const ips = Array.isArray(spec['clusterIPs']) ? spec['clusterIPs'] : [];
    causes.push(
      invalidValue('spec.clusterIPs[0]', ips, 'may not change once set', `[]string{${ips.map((ip) => JSON.stringify(ip)).join(', ')}}`),
    );
  }
  return causes;
}
