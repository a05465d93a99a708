import { beforeAll, describe, expect, it } from 'vitest';
import { realClusterSkipReason, sharedRealCluster, type RealCluster } from '../support/real-cluster';

const skip = realClusterSkipReason();

describe.skipIf(skip !== undefined)('the real control plane used by the tests', () => {
  let cluster: RealCluster;
  beforeAll(async () => {
    cluster = await sharedRealCluster();
  }, 150_000);

  it('answers with a kubeconfig, counts the writes of one identity and not the dry-runs', async () => {
    const since = new Date(Date.now() - 1000);
    const me = await cluster.identity('control-plane-spec');
    const token = me.token;
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'control-plane-spec', namespace: 'default' }, data: { a: '1' } };
    const send = async (query: string) => {
      const res = await fetchInsecure(
        cluster,
        `/api/v1/namespaces/default/configmaps/control-plane-spec?fieldManager=test&force=true${query}`,
        token,
        JSON.stringify(body),
      );
      expect(res).toBeLessThan(300);
    };
    await send('&dryRun=All');
    await send('');
    await send('');
    const writes = await cluster.writes(me.user, since);
    expect(writes.map((w) => w.verb)).toEqual(['patch', 'patch']);
  });
});
if (skip !== undefined) console.warn(skip);

async function fetchInsecure(cluster: RealCluster, path: string, token: string, body: string): Promise<number> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, cluster.info.server),
      {
        method: 'PATCH',
        ca: cluster.info.caPem,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/apply-patch+yaml' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
