import { createRequire } from 'node:module';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const launcher = createRequire(__filename)('./demo.cjs') as { needsBuild(root: string): boolean };

describe('npm run demo: builds only when a source changed', () => {
  let root: string;
  const touch = async (path: string, seconds: number) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), '');
    await utimes(join(root, path), seconds, seconds);
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'gitfleet-demo-build-'));
    await touch('hub/src/hub.ts', 1_000);
    await touch('proto/gitfleet/v1/fleet.proto', 1_000);
    await touch('proto/src/gen/fleet.ts', 5_000);
    await touch('dist/scripts/demo.js', 2_000);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('does not build when every source is older than the compiled demo', async () => {
    // Generated files and specs do not count: they are rewritten or not compiled.
    await touch('hub/src/hub.spec.ts', 3_000);
    expect(launcher.needsBuild(root)).toBe(false);
  });

  it('builds when a source, a .proto or the lock file is newer, or nothing is built', async () => {
    await touch('agent/src/agent.ts', 3_000);
    expect(launcher.needsBuild(root)).toBe(true);
    await touch('agent/src/agent.ts', 1_000);
    await touch('proto/gitfleet/v1/fleet.proto', 3_000);
    expect(launcher.needsBuild(root)).toBe(true);
    await touch('proto/gitfleet/v1/fleet.proto', 1_000);
    await touch('package-lock.json', 3_000);
    expect(launcher.needsBuild(root)).toBe(true);
    await touch('package-lock.json', 1_000);
    await rm(join(root, 'dist'), { recursive: true });
    expect(launcher.needsBuild(root)).toBe(true);
  });
});
