/**
 * Turns kube-apiserver's OpenAPI v2 document into the compact schema kube-sim reads
 * (src/schema/builtin-schema.json): for every kind it serves, which fields exist and what
 * they hold — scalars, quantities, int-or-string, maps, and lists with their merge type
 * (atomic, set, or keyed by which fields), as server-side apply reads them.
 */

interface OpenApiProperty {
  type?: string;
  format?: string;
  $ref?: string;
  items?: OpenApiProperty;
  additionalProperties?: OpenApiProperty | boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
}

interface OpenApiDefinition extends OpenApiProperty {
  properties?: Record<string, OpenApiProperty>;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

export interface OpenApiDocument {
  definitions: Record<string, OpenApiDefinition>;
}

/** The compact schema: kinds by "apiVersion/Kind", struct types by short name. */
export interface CompactSchema {
  kinds: Record<string, string>;
  types: Record<string, Record<string, string>>;
}

const SCALAR_DEFINITIONS: Record<string, string> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'int-or-string',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 'time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': 'any',
  'io.k8s.apimachinery.pkg.runtime.RawExtension': 'any',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': 'any',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': 'any',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': 'any',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': 'any',
};

/** "io.k8s.api.core.v1.PodSpec" → "core.v1.PodSpec". */
export function shortName(definition: string): string {
  return definition
    .replace(/^io\.k8s\.api\./, '')
    .replace(/^io\.k8s\.apimachinery\.pkg\.apis\./, '')
    .replace(/^io\.k8s\.apiextensions-apiserver\.pkg\.apis\./, '')
    .replace(/^io\.k8s\.kube-aggregator\.pkg\.apis\./, '');
}

function refName(ref: string): string {
  return ref.replace('#/definitions/', '');
}

/** One property as a type string: "string", "@core.v1.Container", "keyed(name):@…", "map:string". */
function typeOf(property: OpenApiProperty, reached: Set<string>): string {
  if (property.$ref) {
    const name = refName(property.$ref);
    const scalar = SCALAR_DEFINITIONS[name];
    if (scalar) return scalar;
    reached.add(name);
    return `@${shortName(name)}`;
  }
  if (property.type === 'array') {
    const item = typeOf(property.items ?? {}, reached);
    const listType = property['x-kubernetes-list-type'];
    const keys = property['x-kubernetes-list-map-keys'];
    if (listType === 'map' && keys) return `keyed(${keys.join(',')}):${item}`;
    if (listType === 'set') return `set:${item}`;
    if (listType === 'atomic') return `list:${item}`;
    // Without a list type, server-side apply reads the strategic-merge-patch hints.
    if (property['x-kubernetes-patch-strategy']?.includes('merge')) {
      const key = property['x-kubernetes-patch-merge-key'];
      return key ? `keyed(${key}):${item}` : `set:${item}`;
    }
    return `list:${item}`;
  }
  if (property.type === 'object') {
    if (typeof property.additionalProperties === 'object') {
      const value = typeOf(property.additionalProperties, reached);
      return `${property['x-kubernetes-map-type'] === 'atomic' ? 'atomic-map' : 'map'}:${value}`;
    }
    return 'any';
  }
  if (property.type === 'string' && property.format === 'byte') return 'bytes';
  if (property.type === 'string' && property.format === 'date-time') return 'time';
  if (property.type === 'integer' && (property.format === 'int32' || property.format === 'int64')) return property.format;
  return property.type ?? 'any';
}

/** The compact schema of the given kinds ("apps/v1/Deployment") and every type they reach. */
export function compactSchema(document: OpenApiDocument, kinds: string[]): CompactSchema {
  const byKind = new Map<string, string>();
  for (const [name, definition] of Object.entries(document.definitions)) {
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      byKind.set(`${apiVersion}/${gvk.kind}`, name);
    }
  }
  const schema: CompactSchema = { kinds: {}, types: {} };
  const pending: string[] = [];
  for (const kind of [...kinds].sort()) {
    const name = byKind.get(kind);
    if (!name) throw new Error(`the OpenAPI document has no ${kind}`);
    schema.kinds[kind] = shortName(name);
    pending.push(name);
  }
  const done = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (done.has(name)) continue;
    done.add(name);
    const definition = document.definitions[name];
    if (!definition) throw new Error(`the OpenAPI document has no definition ${name}`);
    const reached = new Set<string>();
    const fields: Record<string, string> = {};
    if (definition['x-kubernetes-map-type'] === 'atomic') fields['.atomic'] = 'true';
    for (const [field, property] of Object.entries(definition.properties ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)))
      fields[field] = typeOf(property, reached);
    schema.types[shortName(name)] = fields;
    pending.push(...reached);
  }
  schema.types = Object.fromEntries(Object.entries(schema.types).sort(([a], [b]) => (a < b ? -1 : 1)));
  return schema;
}
