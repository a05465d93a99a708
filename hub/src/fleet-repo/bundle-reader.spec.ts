import { describe, expect, it } from 'vitest';
import { formatFleetError } from './fleet-format';
import { parseFleetFile } from './fleet-parser';

// Line numbers matter: the error tests below name them.
const HELM = `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: web
spec:
  source:
    path: charts/web
    repo:
      url: https://git.example/charts.git
      ref: release-1
    kind: helm
    helm:
      releaseName: web-release
      values:
        replicas: 2
        image: { tag: "1.0" }
  namespace: web
  targets:
    - name: canary
      clusterGroup: canaries
      overrides:
        helmValues:
          image: { tag: "1.1" }
        values:
          tier: canary
    - clusterSelector:
        matchLabels: { env: prod }
  syncPolicy:
    prune: true
    drift: correct
  dependsOn: [monitoring, ingress]
  suspend: true
  rollout:
    partitions:
      - name: first
        clusterGroup: canaries
        maxUnavailable: 1
      - name: rest
        clusterSelector: {}
    maxUnavailable: "50%"
    pauseOnFailure: false
`;

const KUSTOMIZE = `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: api
spec:
  source:
    path: apps/api
    kind: kustomize
    kustomize:
      patches:
        - patch: |
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: api }
            spec: { replicas: 3 }
        - target: { kind: Deployment, labelSelector: "app=api" }
          patch:
            - { op: replace, path: /spec/replicas, value: 2 }
  targets:
    - clusterSelector: {}
      overrides:
        kustomizePatches:
          - patch: "{ kind: ConfigMap, metadata: { name: api }, data: { x: y } }"
`;

const GROUP = `apiVersion: gitfleet.io/v1alpha1
kind: ClusterGroup
metadata:
  name: canaries
spec:
  selector:
    matchLabels:
      canary: "true"
`;

const errorsOf = (text: string, file = 'fleet/web.yaml'): string[] => parseFleetFile(file, text).errors.map(formatFleetError);

describe('parseFleetFile: the full Bundle', () => {
  it('reads a Helm bundle from another repository with groups, overrides, policy, dependencies and rollout', () => {
    const { bundles, groups, errors } = parseFleetFile('fleet/web.yaml', HELM);
    expect(errors).toEqual([]);
    expect(groups).toEqual([]);
    expect(bundles).toEqual([
      {
        file: 'fleet/web.yaml',
        line: 1,
        nameLine: 4,
        sourcePathLine: 7,
        fieldLines: {
          'spec.dependsOn[0]': 31,
          'spec.dependsOn[1]': 31,
          'spec.targets[0].clusterGroup': 20,
          'spec.rollout.partitions[0].clusterGroup': 36,
          'spec.source.repo.ref': 10,
        },
        sourceRepoUrl: 'https://git.example/charts.git',
        bundle: {
          name: 'web',
          sourcePath: 'charts/web',
          source: { repoUrl: 'https://git.example/charts.git', commit: '', path: 'charts/web', ref: 'release-1' },
          render: {
            kind: 'helm',
            helmReleaseName: 'web-release',
            helmValues: { replicas: 2, image: { tag: '1.0' } },
            kustomizePatches: [],
          },
          namespace: 'web',
          targets: [
            { name: 'canary', clusterGroup: 'canaries', overrides: { helmValues: { image: { tag: '1.1' } }, values: { tier: 'canary' } } },
            { clusterSelector: { matchLabels: { env: 'prod' }, matchExpressions: [] }, overrides: {} },
          ],
          syncPolicy: { prune: true, selfHeal: true, drift: 'correct' },
          dependsOn: ['monitoring', 'ingress'],
          suspend: true,
          rollout: {
            partitions: [
              { name: 'first', clusterGroup: 'canaries', maxUnavailable: 1 },
              { name: 'rest', clusterSelector: { matchLabels: {}, matchExpressions: [] } },
            ],
            autoPartitionSize: '25%',
            maxUnavailable: '50%',
            pauseOnFailure: false,
          },
          fleetRepo: '',
        },
      },
    ]);
  });

  it('reads Kustomize patches written as text, as a mapping or as a list, each with its target', () => {
    const { bundles, errors } = parseFleetFile('fleet/api.yaml', KUSTOMIZE);
    expect(errors).toEqual([]);
    expect(bundles[0].bundle.render).toEqual({
      kind: 'kustomize',
      helmValues: {},
      kustomizePatches: [
        { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api }\nspec: { replicas: 3 }\n' },
        { patch: '- op: replace\n  path: /spec/replicas\n  value: 2\n', target: { kind: 'Deployment', labelSelector: 'app=api' } },
      ],
    });
    expect(bundles[0].bundle.targets[0].overrides).toEqual({
      kustomizePatches: [{ patch: '{ kind: ConfigMap, metadata: { name: api }, data: { x: y } }' }],
    });
  });

  it('derives selfHeal from drift and drift from selfHeal; defaults are report, no prune, not suspended, no rollout', () => {
    const minimal = 'apiVersion: gitfleet.io/v1alpha1\nkind: Bundle\nmetadata: { name: m }\nspec:\n  source: { path: . }\n';
    const m = parseFleetFile('f.yaml', minimal).bundles[0].bundle;
    expect([m.syncPolicy, m.dependsOn, m.suspend, m.rollout, m.render.kind]).toEqual([
      { prune: false, selfHeal: false, drift: 'report' },
      [],
      false,
      undefined,
      'raw',
    ]);
    const healing = parseFleetFile('f.yaml', `${minimal}  syncPolicy: { selfHeal: true }\n`).bundles[0].bundle;
    expect(healing.syncPolicy).toEqual({ prune: false, selfHeal: true, drift: 'correct' });
    const auto = parseFleetFile('f.yaml', `${minimal}  rollout: {}\n`).bundles[0].bundle;
    expect(auto.rollout).toEqual({ partitions: [], autoPartitionSize: '25%', maxUnavailable: 1, pauseOnFailure: true });
  });

  it('reads a ClusterGroup', () => {
    expect(parseFleetFile('fleet/groups.yaml', GROUP)).toEqual({
      bundles: [],
      errors: [],
      groups: [
        {
          file: 'fleet/groups.yaml',
          line: 1,
          nameLine: 4,
          group: { name: 'canaries', selector: { matchLabels: { canary: 'true' }, matchExpressions: [] } },
        },
      ],
    });
  });
});

describe('parseFleetFile: every new field names file, line and field when wrong', () => {
  it.each([
    [
      'contradictory drift and selfHeal',
      HELM.replace('drift: correct', 'drift: correct\n    selfHeal: false'),
      'fleet/web.yaml:30: spec.syncPolicy.drift: drift: correct contradicts selfHeal: false (correct goes with selfHeal: true, report with false)',
    ],
    [
      'unknown drift mode',
      HELM.replace('drift: correct', 'drift: fix'),
      'fleet/web.yaml:30: spec.syncPolicy.drift: must be report or correct, got "fix"',
    ],
    [
      'unknown render kind',
      HELM.replace('kind: helm', 'kind: jsonnet')
        .replace(/    helm:\n[\s\S]*?(?=  namespace)/, '')
        .replace(/        helmValues:\n.*\n/, ''),
      'fleet/web.yaml:11: spec.source.kind: must be one of raw, kustomize, helm, got "jsonnet"',
    ],
    [
      'helm settings on a raw bundle',
      HELM.replace('kind: helm', 'kind: raw').replace(/        helmValues:\n.*\n/, ''),
      'fleet/web.yaml:12: spec.source.helm: is only allowed with kind: helm',
    ],
    [
      'helm overrides on a raw bundle',
      HELM.replace('kind: helm', 'kind: raw').replace(/    helm:\n[\s\S]*?(?=  namespace)/, ''),
      'fleet/web.yaml:17: spec.targets[0].overrides.helmValues: is only allowed when spec.source.kind is helm',
    ],
    [
      'kustomize patches on a raw target',
      KUSTOMIZE.replace('kind: kustomize', 'kind: raw').replace(/    kustomize:\n[\s\S]*?(?=  targets)/, ''),
      'fleet/web.yaml:12: spec.targets[0].overrides.kustomizePatches: is only allowed when spec.source.kind is kustomize',
    ],
    [
      'a patch that is not YAML',
      KUSTOMIZE.replace('patch: "{ kind: ConfigMap, metadata: { name: api }, data: { x: y } }"', 'patch: "just words"'),
      'fleet/web.yaml:23: spec.targets[0].overrides.kustomizePatches[0].patch: is not a YAML mapping or list: not a mapping or list',
    ],
    [
      'credentials in a source URL',
      HELM.replace('https://git.example', 'https://bot:token@git.example'),
      'fleet/web.yaml:9: spec.source.repo.url: must not carry credentials; configure them for the hub (FLEET_REPOS)',
    ],
    [
      'a command-running URL',
      HELM.replace('https://git.example/charts.git', '"ext::sh -c touch% /tmp/x"'),
      'fleet/web.yaml:9: spec.source.repo.url: ',
    ],
    [
      'a ref that is not a ref',
      HELM.replace('ref: release-1', 'ref: --upload-pack=x'),
      'fleet/web.yaml:10: spec.source.repo.ref: "--upload-pack=x" is neither a branch or tag name nor a 40-hex commit SHA',
    ],
    ['a source repo without ref', HELM.replace('      ref: release-1\n', ''), 'fleet/web.yaml:8: spec.source.repo.ref: is required'],
    [
      'both selector and group',
      HELM.replace('clusterGroup: canaries\n      overrides', 'clusterGroup: canaries\n      clusterSelector: {}\n      overrides'),
      'fleet/web.yaml:19: spec.targets[0]: set either clusterSelector or clusterGroup, not both',
    ],
    [
      'neither selector nor group',
      HELM.replace('      clusterGroup: canaries\n      overrides', '      overrides'),
      'fleet/web.yaml:19: spec.targets[0]: needs clusterSelector or clusterGroup',
    ],
    [
      'a bad group name',
      HELM.replace('clusterGroup: canaries\n      overrides', 'clusterGroup: Canaries\n      overrides'),
      'fleet/web.yaml:20: spec.targets[0].clusterGroup: "Canaries" is not a group name (DNS-1123 label)',
    ],
    [
      'a value under cluster.',
      HELM.replace('tier: canary', 'cluster.name: x'),
      'fleet/web.yaml:25: spec.targets[0].overrides.values.cluster.name: names under "cluster." are set by the hub',
    ],
    [
      'a value that is not a string',
      HELM.replace('tier: canary', 'tier: 3'),
      'fleet/web.yaml:25: spec.targets[0].overrides.values.tier: must be a string, got number 3 (quote numbers and booleans)',
    ],
    [
      'a self-dependency',
      HELM.replace('[monitoring, ingress]', '[monitoring, web]'),
      'fleet/web.yaml:31: spec.dependsOn[1]: a bundle cannot depend on itself',
    ],
    [
      'a duplicate dependency',
      HELM.replace('[monitoring, ingress]', '[monitoring, monitoring]'),
      'fleet/web.yaml:31: spec.dependsOn[1]: "monitoring" is listed twice',
    ],
    [
      'dependsOn not a list',
      HELM.replace('[monitoring, ingress]', 'monitoring'),
      'fleet/web.yaml:31: spec.dependsOn: must be a list of bundle names',
    ],
    [
      'suspend not a boolean',
      HELM.replace('suspend: true', 'suspend: "yes"'),
      'fleet/web.yaml:32: spec.suspend: must be true or false, got string "yes"',
    ],
    [
      'a zero maxUnavailable',
      HELM.replace('maxUnavailable: "50%"', 'maxUnavailable: 0'),
      'fleet/web.yaml:40: spec.rollout.maxUnavailable: must be a positive whole number or a percentage such as "25%", got number 0',
    ],
    [
      'a percentage over 100',
      HELM.replace('maxUnavailable: 1\n', 'maxUnavailable: "150%"\n'),
      'fleet/web.yaml:37: spec.rollout.partitions[0].maxUnavailable: must be a positive whole number or a percentage such as "25%", got string "150%"',
    ],
    [
      'a partition without a name',
      HELM.replace('      - name: rest\n        clusterSelector', '      - clusterSelector'),
      'fleet/web.yaml:38: spec.rollout.partitions[1].name: is required',
    ],
    [
      'a partition name used twice',
      HELM.replace('name: rest', 'name: first'),
      'fleet/web.yaml:38: spec.rollout.partitions[1].name: "first" is used twice',
    ],
    [
      'an unknown rollout field',
      HELM.replace('pauseOnFailure: false', 'pauseOnFail: false'),
      'fleet/web.yaml:41: spec.rollout.pauseOnFail: unknown field (allowed: partitions, autoPartitionSize, maxUnavailable, pauseOnFailure)',
    ],
    ['a group without selector', GROUP.replace(/  selector:[\s\S]*/, '  {}\n'), 'fleet/web.yaml:5: spec.selector: is required'],
    [
      'a group with a bad label',
      GROUP.replace('canary: "true"', 'canary: "not ok"'),
      'fleet/web.yaml:8: spec.selector.matchLabels.canary: "not ok" is not a valid label value',
    ],
  ])('%s', (_case, text, expected) => {
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0].slice(0, expected.length)).toBe(expected);
    if (!expected.endsWith(': ')) expect(errors[0]).toBe(expected);
  });
});
