import { describe, expect, it } from 'vitest';
import { formatFleetError } from './fleet-format';
import { parseFleetFile } from './fleet-parser';
import { checkFleetReferences, dependencyCycles, type RepoDocuments } from './fleet-references';

const bundle = (name: string, extra = '') =>
  `apiVersion: gitfleet.io/v1alpha1\nkind: Bundle\nmetadata:\n  name: ${name}\nspec:\n  source: { path: apps/${name} }\n${extra}`;
const group = (name: string) => `apiVersion: gitfleet.io/v1alpha1\nkind: ClusterGroup\nmetadata:\n  name: ${name}\nspec:\n  selector: {}\n`;

function repo(name: string, files: Record<string, string>): RepoDocuments {
  const docs: RepoDocuments = { repo: name, bundles: [], groups: [] };
  for (const [file, text] of Object.entries(files)) {
    const parsed = parseFleetFile(file, text);
    expect(parsed.errors).toEqual([]);
    docs.bundles.push(...parsed.bundles);
    docs.groups.push(...parsed.groups);
  }
  return docs;
}

describe('checkFleetReferences', () => {
  it('accepts references across fleet repositories', () => {
    const platform = repo('platform', { 'fleet/g.yaml': group('canaries'), 'fleet/mon.yaml': bundle('monitoring') });
    const team = repo('team', { 'fleet/web.yaml': bundle('web', '  dependsOn: [monitoring]\n  targets:\n    - clusterGroup: canaries\n') });
    expect(checkFleetReferences([platform, team], 'team')).toEqual([]);
  });

  it('names the cycle, at the dependsOn entry of its first bundle', () => {
    const r = repo('default', {
      'fleet/a.yaml': bundle('a', '  dependsOn: [b]\n'),
      'fleet/b.yaml': bundle('b', '  dependsOn: [x, c]\n'),
      'fleet/c.yaml': bundle('c', '  dependsOn:\n    - a\n'),
      'fleet/x.yaml': bundle('x'),
    });
    expect(checkFleetReferences([r], 'default').map(formatFleetError)).toEqual([
      'fleet/a.yaml:7: spec.dependsOn[0]: dependency cycle: a → b → c → a',
    ]);
  });

  it('reports missing bundles and groups with file, line and field', () => {
    const r = repo('default', {
      'fleet/web.yaml': bundle(
        'web',
        '  dependsOn: [nope]\n  targets:\n    - clusterGroup: ghosts\n  rollout:\n    partitions:\n      - name: p\n        clusterGroup: phantoms\n',
      ),
    });
    expect(checkFleetReferences([r], 'default').map(formatFleetError)).toEqual([
      'fleet/web.yaml:7: spec.dependsOn[0]: bundle "nope" does not exist',
      'fleet/web.yaml:9: spec.targets[0].clusterGroup: cluster group "ghosts" does not exist',
      'fleet/web.yaml:13: spec.rollout.partitions[0].clusterGroup: cluster group "phantoms" does not exist',
    ]);
  });

  it('keeps names unique across repositories and says which repository a broken reference is in', () => {
    const platform = repo('platform', { 'fleet/web.yaml': bundle('web'), 'fleet/g.yaml': group('canaries') });
    const team = repo('team', { 'fleet/web.yaml': `# team's\n${bundle('web')}`, 'fleet/groups.yaml': group('canaries') });
    expect(checkFleetReferences([platform, team], 'team').map(formatFleetError)).toEqual([
      'fleet/groups.yaml:4: metadata.name: duplicate cluster group name "canaries" (first defined in fleet repository "platform" at fleet/g.yaml:1)',
      'fleet/web.yaml:5: metadata.name: duplicate bundle name "web" (first defined in fleet repository "platform" at fleet/web.yaml:1)',
    ]);
    // The team repository drops a bundle the platform repository depends on.
    const needs = repo('platform', { 'fleet/api.yaml': bundle('api', '  dependsOn: [db]\n') });
    expect(checkFleetReferences([needs, repo('team', {})], 'team').map(formatFleetError)).toEqual([
      'fleet/api.yaml:7: spec.dependsOn[0]: bundle "db" does not exist (in fleet repository "platform")',
    ]);
  });

  it('finds every cycle once, whatever the order', () => {
    const graph = new Map([
      ['d', ['e']],
      ['e', ['d']],
      ['a', ['b']],
      ['b', ['a', 'c']],
      ['c', []],
    ]);
    expect(dependencyCycles(graph)).toEqual([
      ['a', 'b'],
      ['d', 'e'],
    ]);
  });
});
