import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, it } from 'vitest';
import { realClusterSkipReason, sharedRealCluster } from '../../test/support/real-cluster';
import { BUILTIN_RESOURCES } from '../src/discovery/builtin-api-resources';
import { compactSchema, type OpenApiDocument } from './record-schema';

/**
 * Re-records what kube-sim learns from a real kube-apiserver (v1.24, GITFLEET_KUBE_ASSETS):
 *
 *   GITFLEET_RECORD=1 GITFLEET_KUBE_ASSETS=… npx vitest run kube-sim/test/record.spec.ts
 *
 * writes src/schema/builtin-schema.json (from /openapi/v2). Skipped otherwise.
 */
const skip = !process.env.GITFLEET_RECORD
  ? 'set GITFLEET_RECORD=1 (and GITFLEET_KUBE_ASSETS) to re-record from a real kube-apiserver'
  : realClusterSkipReason();

describe.skipIf(skip !== undefined)(`recording from a real kube-apiserver${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('records the schema of every built-in kind kube-sim serves', async () => {
    const cluster = await sharedRealCluster();
    const answer = await cluster.request('GET', '/openapi/v2');
    const document = (typeof answer === 'string' ? JSON.parse(answer) : answer) as OpenApiDocument;
    const kinds = new Set<string>(['autoscaling/v1/Scale']);
    for (const [groupVersion, resources] of Object.entries(BUILTIN_RESOURCES)) {
      for (const resource of resources) if (!resource.name.includes('/')) kinds.add(`${groupVersion}/${resource.kind}`);
    }
    const schema = compactSchema(document, [...kinds]);
    const file = join(__dirname, '../src/schema/builtin-schema.json');
    await writeFile(file, await format(JSON.stringify(schema), { ...(await resolveConfig(file)), parser: 'json' }));
  }, 180_000);
});
