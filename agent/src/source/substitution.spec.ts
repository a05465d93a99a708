import { describe, expect, it } from 'vitest';
import { defaultSourceLimits } from './limits';
import { parseDocuments } from './manifest-reader';
import { substituteText } from './substitution';

const limits = defaultSourceLimits();
const values = { 'cluster.name': 'eu-1', 'cluster.labels.env': 'prod', replicas: '3', evil: 'x: 1\nkind: Secret' };

function objects(text: string, vals: Record<string, string> | null = values): unknown[] {
  return parseDocuments(text, 'apps/web/cm.yaml', limits, vals ?? undefined).map((item) =>
    'problem' in item ? item.problem : item.object,
  );
}

describe('substituteText', () => {
  it('replaces every placeholder with its value', () => {
    expect(substituteText('${cluster.name}-${cluster.labels.env}', values)).toEqual({ text: 'eu-1-prod', unknown: [] });
  });

  it('turns $${name} into a literal ${name}', () => {
    expect(substituteText('echo $${cluster.name} is ${cluster.name}', values).text).toBe('echo ${cluster.name} is eu-1');
  });

  it('leaves ${...} that is not a dotted name alone', () => {
    expect(substituteText('${HOME:-/root} ${ a } ${}', values).text).toBe('${HOME:-/root} ${ a } ${}');
  });

  it('reports unknown names with their offsets and leaves them in place', () => {
    expect(substituteText('a ${nope} b', values)).toEqual({ text: 'a ${nope} b', unknown: [{ name: 'nope', offset: 2 }] });
  });
});

describe('parseDocuments with values', () => {
  it('substitutes into string values', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-${cluster.name}\ndata:\n  env: ${cluster.labels.env}\n';
    expect(objects(text)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-eu-1' }, data: { env: 'prod' } }]);
  });

  it('keeps a value holding ": " and a newline as one string: no YAML injection', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  note: ${evil}\n';
    expect(objects(text)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' }, data: { note: 'x: 1\nkind: Secret' } },
    ]);
  });

  it('substitutes values only, never map keys', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  ${cluster.name}: ${cluster.name}\n';
    expect(objects(text)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' }, data: { '${cluster.name}': 'eu-1' } },
    ]);
  });

  it('names file, line and key of an unknown placeholder', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: ok\n  b: ${cluster.region}\n';
    expect(objects(text)).toEqual(['apps/web/cm.yaml:7: unknown substitution key "cluster.region"']);
  });

  it('finds the exact line inside a literal block', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  run.sh: |\n    echo start\n    echo ${missing.key}\n';
    expect(objects(text)).toEqual(['apps/web/cm.yaml:8: unknown substitution key "missing.key"']);
  });

  it('escapes and leaves shell forms alone in a script', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  run.sh: |\n    echo $${HOME} ${PATH:-/bin} ${cluster.name}\n';
    expect(objects(text)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' }, data: { 'run.sh': 'echo ${HOME} ${PATH:-/bin} eu-1\n' } },
    ]);
  });

  it('leaves numbers and booleans as they are and substitutes quoted values as strings', () => {
    const text =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  paused: false\n  template: {metadata: {labels: {env: "${cluster.labels.env}"}}}\n';
    expect(objects(text)).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { replicas: 2, paused: false, template: { metadata: { labels: { env: 'prod' } } } },
      },
    ]);
  });

  it('substitutes nothing without values (callers that carry no target)', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: ${cluster.name}\n';
    expect(objects(text, null)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' }, data: { a: '${cluster.name}' } },
    ]);
  });
});
