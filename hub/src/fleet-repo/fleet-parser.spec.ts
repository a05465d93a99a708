import { describe, expect, it } from 'vitest';
import { formatFleetError } from './fleet-format';
import { parseFleetFile } from './fleet-parser';
import { readFleetSnapshot, type CommitTree } from './fleet-snapshot';

const WEB = `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: web
spec:
  source:
    path: ./apps/web/
  namespace: web
  targets:
    - clusterSelector:
        matchLabels:
          env: prod
        matchExpressions:
          - { key: region, operator: In, values: [eu-west, eu-central] }
          - key: canary
            operator: DoesNotExist
  syncPolicy:
    prune: true
`;

/** Errors of one file as the API prints them. */
function errorsOf(text: string, file = 'fleet/web.yaml'): string[] {
  return parseFleetFile(file, text).errors.map(formatFleetError);
}

describe('parseFleetFile', () => {
  it('reads a bundle with selectors, normalising its source path', () => {
    const { bundles, errors } = parseFleetFile('fleet/web.yaml', WEB);
    expect(errors).toEqual([]);
    expect(bundles).toEqual([
      {
        file: 'fleet/web.yaml',
        line: 1,
        nameLine: 4,
        sourcePathLine: 7,
        fieldLines: {},
        bundle: {
          name: 'web',
          sourcePath: 'apps/web',
          source: { repoUrl: '', commit: '', path: 'apps/web', ref: '' },
          render: { kind: 'raw', helmValues: {}, kustomizePatches: [] },
          namespace: 'web',
          targets: [
            {
              clusterSelector: {
                matchLabels: { env: 'prod' },
                matchExpressions: [
                  { key: 'region', operator: 'In', values: ['eu-west', 'eu-central'] },
                  { key: 'canary', operator: 'DoesNotExist', values: [] },
                ],
              },
              overrides: {},
            },
          ],
          syncPolicy: { prune: true, selfHeal: false, drift: 'report' },
          dependsOn: [],
          suspend: false,
          fleetRepo: '',
        },
      },
    ]);
  });

  it('reads several documents in one file and skips empty ones', () => {
    const text = `---\n${WEB}---\n${WEB.replace('name: web', 'name: api').replace('targets:', 'targetz: []\n  x:')}---\n`;
    const other = `${WEB}---\n---\n${WEB.replace('name: web', 'name: api')}`;
    expect(parseFleetFile('f.yaml', other).bundles.map((b) => [b.bundle.name, b.line])).toEqual([
      ['web', 1],
      ['api', 21],
    ]);
    // The broken second document yields errors and no bundle; the first is still read.
    const parsed = parseFleetFile('f.yaml', text);
    expect(parsed.bundles.map((b) => b.bundle.name)).toEqual(['web']);
    expect(parsed.errors.map((e) => e.field)).toContain('spec.targetz');
  });

  it('treats missing or empty targets as going nowhere and {} as selecting everything', () => {
    const none = WEB.replace(/  targets:[\s\S]*?(?=  syncPolicy)/, '');
    expect(parseFleetFile('f.yaml', none).bundles[0].bundle.targets).toEqual([]);
    const all = WEB.replace(/  targets:[\s\S]*?(?=  syncPolicy)/, '  targets:\n    - clusterSelector: {}\n');
    expect(parseFleetFile('f.yaml', all).bundles[0].bundle.targets).toEqual([
      { clusterSelector: { matchLabels: {}, matchExpressions: [] }, overrides: {} },
    ]);
  });

  it('names file, line and field of a path that climbs out of the repository', () => {
    expect(errorsOf(WEB.replace('./apps/web/', '../secrets'))).toEqual([
      "fleet/web.yaml:7: spec.source.path: must be a relative path without '..'",
    ]);
    expect(errorsOf(WEB.replace('./apps/web/', '/etc'))).toEqual([
      "fleet/web.yaml:7: spec.source.path: must be a relative path without '..'",
    ]);
    expect(errorsOf(WEB.replace('./apps/web/', 'apps/../../x'))).toHaveLength(1);
  });

  it('rejects names that are not DNS-1123 labels', () => {
    expect(errorsOf(WEB.replace('name: web', 'name: Web_App'))).toEqual([
      `fleet/web.yaml:4: metadata.name: "Web_App" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63)`,
    ]);
    expect(errorsOf(WEB.replace('name: web', `name: ${'a'.repeat(64)}`))).toHaveLength(1);
  });

  it('rejects unknown selector operators and misplaced values', () => {
    expect(errorsOf(WEB.replace('operator: In', 'operator: Maybe'))).toEqual([
      'fleet/web.yaml:14: spec.targets[0].clusterSelector.matchExpressions[0].operator: unknown operator "Maybe" (one of In, NotIn, Exists, DoesNotExist)',
    ]);
    expect(errorsOf(WEB.replace('values: [eu-west, eu-central]', 'values: []'))).toEqual([
      'fleet/web.yaml:14: spec.targets[0].clusterSelector.matchExpressions[0].values: must not be empty for operator In',
    ]);
    expect(errorsOf(WEB.replace('operator: DoesNotExist', 'operator: Exists\n            values: [x]'))).toEqual([
      'fleet/web.yaml:17: spec.targets[0].clusterSelector.matchExpressions[1].values: must be empty for operator Exists',
    ]);
  });

  it('reports missing required fields at their parent and wrong types at the field', () => {
    expect(errorsOf(WEB.replace('    path: ./apps/web/\n', '    {}\n').replace('  source:\n', '  source:\n'))).toEqual([
      'fleet/web.yaml:6: spec.source.path: is required',
    ]);
    expect(errorsOf(WEB.replace('env: prod', 'env: 1'))).toEqual([
      'fleet/web.yaml:12: spec.targets[0].clusterSelector.matchLabels.env: must be a string, got number 1 (quote numbers and booleans)',
    ]);
    expect(errorsOf(WEB.replace('prune: true', 'prune: sometimes'))).toEqual([
      'fleet/web.yaml:18: spec.syncPolicy.prune: must be true or false, got string "sometimes"',
    ]);
    expect(errorsOf(WEB.replace('  targets:\n', '  targets: nope\n  ignored:\n'))).toContain(
      'fleet/web.yaml:9: spec.targets: must be a list',
    );
  });

  it('rejects other apiVersions, kinds and unknown fields', () => {
    expect(errorsOf(WEB.replace('gitfleet.io/v1alpha1', 'gitfleet.io/v2'))).toEqual([
      'fleet/web.yaml:1: apiVersion: must be gitfleet.io/v1alpha1, got "gitfleet.io/v2"',
    ]);
    expect(errorsOf(WEB.replace('kind: Bundle', 'kind: Deployment'))).toEqual([
      'fleet/web.yaml:2: kind: unsupported kind "Deployment" (supported: Bundle, ClusterGroup)',
    ]);
    expect(errorsOf(WEB.replace('  namespace: web', '  namespaec: web'))).toEqual([
      'fleet/web.yaml:8: spec.namespaec: unknown field (allowed: source, namespace, targets, syncPolicy, dependsOn, suspend, rollout)',
    ]);
  });

  it('reports YAML syntax errors with their line and duplicate keys', () => {
    const broken = errorsOf('apiVersion: gitfleet.io/v1alpha1\nkind: Bundle\nmetadata:\n  name: [unclosed\n');
    expect(broken.length).toBeGreaterThan(0);
    expect(broken[0]).toMatch(/^fleet\/web\.yaml:\d+: /);
    expect(errorsOf(WEB.replace('kind: Bundle', 'kind: Bundle\nkind: Bundle'))[0]).toMatch(/^fleet\/web\.yaml:3: .*unique/i);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const errors = parseFleetFile('fleet/bomb.yaml', lines.join('\n')).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/alias/i);
  });

  it('refuses a document that is not a mapping', () => {
    expect(errorsOf('- just\n- a list\n')).toEqual(['fleet/web.yaml:1: must be a mapping']);
  });
});

describe('readFleetSnapshot', () => {
  const tree = (dirs: string[], blobs: string[] = []): CommitTree => ({
    typeOf: (path) => (dirs.includes(path) ? 'tree' : blobs.includes(path) ? 'blob' : undefined),
  });

  it('accepts a fleet whose source paths exist as directories', () => {
    const result = readFleetSnapshot([{ path: 'fleet/web.yaml', text: WEB }], tree(['apps/web']));
    expect(result.ok && result.bundles.map((b) => b.bundle.name)).toEqual(['web']);
  });

  it('rejects the whole commit when one source path is missing or a file', () => {
    const api = WEB.replace('name: web', 'name: api').replace('./apps/web/', 'apps/api');
    const missing = readFleetSnapshot(
      [
        { path: 'fleet/web.yaml', text: WEB },
        { path: 'fleet/api.yaml', text: api },
      ],
      tree(['apps/web']),
    );
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.errors.map(formatFleetError)).toEqual([
      'fleet/api.yaml:7: spec.source.path: "apps/api" does not exist at this commit',
    ]);
    const file = readFleetSnapshot([{ path: 'fleet/web.yaml', text: WEB }], tree([], ['apps/web']));
    expect(!file.ok && file.errors.map(formatFleetError)).toEqual(['fleet/web.yaml:7: spec.source.path: "apps/web" is not a directory']);
  });

  it('rejects a bundle name used twice, pointing at both places', () => {
    const result = readFleetSnapshot(
      [
        { path: 'fleet/b.yaml', text: WEB },
        { path: 'fleet/a.yaml', text: `# copy\n${WEB}` },
      ],
      tree(['apps/web']),
    );
    expect(!result.ok && result.errors.map(formatFleetError)).toEqual([
      'fleet/b.yaml:4: metadata.name: duplicate bundle name "web" (first defined at fleet/a.yaml:2)',
    ]);
  });
});
