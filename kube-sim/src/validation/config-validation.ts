import type { StatusCause } from '../api-error';
import { JsonObject, deepEqual, isObject } from '../json-value';
import { forbidden, immutable, invalidValue, required } from './field-errors';
import { goJsonSyntaxError } from './go-json-syntax';

/** ConfigMaps and Secrets: valid keys, the types' required keys, and `immutable`. */

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_MESSAGE =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const MAX_TOTAL_BYTES = 1024 * 1024;

function keysOf(object: JsonObject, field: string): string[] {
  const map = object[field];
  return isObject(map) ? Object.keys(map) : [];
}

function keyErrors(field: string, key: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (key.length > 253) causes.push(invalidValue(`${field}[${key}]`, key, 'must be no more than 253 characters'));
  if (!CONFIG_KEY.test(key)) causes.push(invalidValue(`${field}[${key}]`, key, CONFIG_KEY_MESSAGE));
  if (key === '.' || key === '..' || key.startsWith('..'))
    causes.push(
      invalidValue(
        `${field}[${key}]`,
        key,
        key.startsWith('..') && key.length > 2 ? "must not start with '..'" : "must not be '.' or '..'",
      ),
    );
  return causes;
}

export function validateConfigMap(object: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const binary = new Set(keysOf(object, 'binaryData'));
  for (const key of keysOf(object, 'data')) {
    causes.push(...keyErrors('data', key));
    if (binary.has(key)) causes.push(invalidValue(`data[${key}]`, key, 'duplicate of key present in binaryData'));
  }
  for (const key of binary) causes.push(...keyErrors('binaryData', key));
  return causes;
}

const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};
const JSON_KEYS: Record<string, string> = {
  'kubernetes.io/dockercfg': '.dockercfg',
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
};

export function validateSecret(object: JsonObject): StatusCause[] {
  const data = isObject(object['data']) ? object['data'] : {};
  const causes: StatusCause[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    causes.push(...keyErrors('data', key));
    total += Buffer.byteLength(String(value), 'base64');
  }
  if (total > MAX_TOTAL_BYTES)
    causes.push({ reason: 'FieldValueTooLong', message: `Too long: must have at most ${MAX_TOTAL_BYTES} bytes`, field: 'data' });
  const type = String(object['type'] ?? 'Opaque');
  for (const key of REQUIRED_KEYS[type] ?? []) if (data[key] === undefined) causes.push(required(`data[${key}]`));
  const jsonKey = JSON_KEYS[type];
  if (jsonKey && typeof data[jsonKey] === 'string') {
    const error = goJsonSyntaxError(Buffer.from(data[jsonKey], 'base64').toString('utf8'));
    // The real message keeps the Secret's contents out of the answer.
    if (error) causes.push(invalidValue(`data[${jsonKey}]`, '<secret contents redacted>', error));
  }
  if (type === 'kubernetes.io/basic-auth' && !data['username'] && !data['password'])
    causes.push(required('data[username]'), required('data[password]'));
  if (type === 'kubernetes.io/service-account-token') {
    const annotations = isObject(object['metadata']) ? object['metadata']['annotations'] : undefined;
    if (!isObject(annotations) || !annotations['kubernetes.io/service-account.name'])
      causes.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  return causes;
}

/** Updates: an immutable ConfigMap or Secret keeps its data; a Secret keeps its type. */
export function validateConfigUpdate(kind: string, object: JsonObject, live: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  if (kind === 'Secret' && (object['type'] ?? 'Opaque') !== (live['type'] ?? 'Opaque')) causes.push(immutable('type', object['type']));
  if (live['immutable'] !== true) return causes;
  const fields = kind === 'Secret' ? ['data'] : ['data', 'binaryData'];
  for (const field of fields)
    if (!deepEqual(object[field] ?? null, live[field] ?? null)) causes.push(forbidden(field, 'field is immutable when `immutable` is set'));
  if (object['immutable'] !== true) causes.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  return causes;
}
