/** The scale bench's fleet repository: the bundles on every cluster and the manifests each commit changes. */
import { bundleFor } from '../../support/bundles';
import { BUNDLES, ROLLOUT } from './settings';

const BUNDLE =
  bundleFor('app', 'app') +
  (ROLLOUT === undefined
    ? ''
    : `  rollout:\n    autoPartitionSize: "${ROLLOUT[0]}"\n    maxUnavailable: "${ROLLOUT[1]}"\n    pauseOnFailure: false\n`);
export const manifests = (round: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: app\ndata:\n  round: "${round}"\n`;

/** The fleet repository's first commit: every bundle and its manifests. */
export function firstCommitFiles(): Record<string, string> {
  const files: Record<string, string> = { 'fleet/app.yaml': BUNDLE, 'apps/app/app.yaml': manifests(0) };
  for (let i = 2; i <= BUNDLES; i++) {
    files[`fleet/app-${i}.yaml`] = bundleFor(`app-${i}`, 'app');
    files[`apps/app-${i}/app.yaml`] = manifests(0).replace('name: settings', `name: settings-${i}`);
  }
  return files;
}
