import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatFleetError } from './fleet-format';
import { parseFleetFile } from './fleet-parser';

const ROOT = join(__dirname, '../../..');

type Schema = Record<string, unknown>;

/**
 * The part of JSON Schema 2020-12 the published schema uses (no validator package in the
 * workspace): type, const, enum, properties, required, additionalProperties, propertyNames,
 * items, uniqueItems, minLength, minimum, pattern, oneOf, allOf, not, local $ref.
 */
function validate(schema: Schema, value: unknown, root: Schema, at = ''): string[] {
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((s, k) => (s as Schema)[k], root) as Schema;
    return validate(target, value, root, at);
  }
  const errors: string[] = [];
  const fail = (m: string) => errors.push(`${at || '/'}: ${m}`);
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  if (schema.type !== undefined) {
    const types = ([] as string[]).concat(schema.type as string);
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) fail(`must be ${types.join('|')}`);
  }
  if ('const' in schema && value !== schema.const) fail(`must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail(`must be one of ${schema.enum.join(', ')}`);
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) fail('too short');
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) fail(`must match ${schema.pattern}`);
  }
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum) fail(`must be ≥ ${schema.minimum}`);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in obj)) fail(`${key} is required`);
    for (const [key, v] of Object.entries(obj)) {
      if (schema.propertyNames !== undefined) errors.push(...validate(schema.propertyNames as Schema, key, root, `${at}/${key}(name)`));
      if (key in props) errors.push(...validate(props[key], v, root, `${at}/${key}`));
      else if (schema.additionalProperties === false) fail(`${key} is not allowed`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...validate(schema.additionalProperties as Schema, v, root, `${at}/${key}`));
    }
  }
  if (Array.isArray(value)) {
    if (schema.items !== undefined) value.forEach((v, i) => errors.push(...validate(schema.items as Schema, v, root, `${at}/${i}`)));
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) fail('items must be unique');
  }
  for (const sub of (schema.allOf ?? []) as Schema[]) errors.push(...validate(sub, value, root, at));
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as Schema[]).filter((sub) => validate(sub, value, root, at).length === 0).length;
    if (passing !== 1) fail(`must match exactly one of ${schema.oneOf.length} alternatives (matches ${passing})`);
  }
  if (schema.not !== undefined && validate(schema.not as Schema, value, root, at).length === 0) fail('matches a forbidden form');
  return errors;
}

async function examples(): Promise<{ name: string; text: string }[]> {
  const found: { name: string; text: string }[] = [];
  const doc = await readFile(join(ROOT, 'docs/fleet-format.md'), 'utf8');
  [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].forEach((m, i) => found.push({ name: `docs/fleet-format.md #${i + 1}`, text: m[1] }));
  const dir = join(ROOT, 'examples/fleet-repo/fleet');
  for (const file of (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    found.push({ name: `examples/fleet-repo/fleet/${file}`, text: await readFile(join(dir, file), 'utf8') });
  }
  return found;
}

describe('the published JSON schema and the parser agree', async () => {
  const schema = JSON.parse(await readFile(join(ROOT, 'docs/schema/fleet-v1alpha1.schema.json'), 'utf8')) as Schema;
  const all = await examples();

  it('finds the examples', () => {
    expect(all.length).toBeGreaterThanOrEqual(7);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it.each(all.map((e) => [e.name, e.text]))('%s is valid for both', (name, text) => {
    const parsed = parseFleetFile(name, text);
    expect(parsed.errors.map(formatFleetError)).toEqual([]);
    const docs = parseAllDocuments(text)
      .map((d) => d.toJS() as unknown)
      .filter((v) => v !== null);
    expect(docs.length).toBe(parsed.bundles.length + parsed.groups.length);
    for (const value of docs) expect(validate(schema, value, schema)).toEqual([]);
  });

  it.each([
    ['an unknown field', (t: string) => t.replace('  namespace: web', '  namespaec: web')],
    [
      'a target with both selector and group',
      (t: string) => t.replace('    - clusterSelector:\n', '    - clusterGroup: canaries\n      clusterSelector:\n'),
    ],
    ['an unknown drift mode', (t: string) => t.replace('drift: report', 'drift: fix')],
    ['a path climbing out', (t: string) => t.replace('path: apps/web', 'path: ../x')],
    ['a bad name', (t: string) => t.replace('name: web ', 'name: Web ')],
    ['a bad rollout size', (t: string) => t.replace('  syncPolicy:', '  rollout: { maxUnavailable: "0%" }\n  syncPolicy:')],
  ])('both refuse %s', async (_case, mutate) => {
    const base = all.find((e) => e.text.includes('name: web '))!.text;
    const text = mutate(base);
    expect(text).not.toBe(base);
    expect(parseFleetFile('f.yaml', text).errors.length).toBeGreaterThan(0);
    expect(validate(schema, parseAllDocuments(text)[0].toJS(), schema).length).toBeGreaterThan(0);
  });
});
