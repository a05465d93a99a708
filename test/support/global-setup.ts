/**
 * vitest global setup: a directory where the first test that needs the real control plane
 * starts it (test/support/real-cluster.ts, `sharedRealCluster`), and the teardown that stops it
 * once every test file has run.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { stopRealCluster, type RealClusterInfo } from './real-cluster';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'gitfleet-shared-kube-'));
  project.provide('realClusterDir', dir);
  return async () => {
    const infoFile = join(dir, 'cluster', 'cluster.json');
    if (existsSync(infoFile)) {
      const info = JSON.parse(await readFile(infoFile, 'utf8')) as RealClusterInfo;
      await stopRealCluster(info, { keepDir: !!process.env.GITFLEET_KEEP_KUBE });
    }
    if (!process.env.GITFLEET_KEEP_KUBE) await rm(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    realClusterDir: string;
  }
}
