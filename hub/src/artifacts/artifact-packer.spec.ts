import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareRepo } from '../../../test/support/git';
import { logGitCalls } from '../../../test/support/git-call-log';
import { GitMirror } from '../fleet-repo/git-mirror';
import { BUNDLE, CONFIGMAP, startTestHub, type TestHub } from '../testing/hub-fixture';
import { ArtifactPacker } from './artifact-packer';

describe('ArtifactPacker: a plain bundle packed, then judged by policy', () => {
  let t: TestHub;
  let source: BareRepo;
  let dir: string;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    source = await BareRepo.create();
    dir = await mkdtemp(join(tmpdir(), 'gitfleet-packer-'));
  });

  afterAll(async () => {
    await t?.stop();
    await source?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists and reads the files of an artifact it builds once, for the artifact and for the policy check after it', async () => {
    // Content no artifact has yet, in a repository the hub does not follow.
    const unique = `packer-${randomBytes(6).toString('hex')}`;
    const commit = await source.commit({ 'apps/web/cm.yaml': CONFIGMAP(unique), 'apps/web/extra.yaml': CONFIGMAP(`${unique}-extra`) });
    const git = await logGitCalls(dir, ['ls-tree', '--batch']);
    try {
      const mirror = new GitMirror(source.url, join(dir, 'cache'));
      await mirror.fetchHead(source.branch);
      const before = (await git.calls()).length;
      const packer = t.app.get(ArtifactPacker);
      const request = { mirror, commit, path: 'apps/web', kind: 'raw' as const };
      await packer.pack(request);
      const files = await packer.plainFiles(request);
      expect(files.map((f) => [f.path, f.data.toString('utf8').includes(unique)])).toEqual([
        ['apps/web/cm.yaml', true],
        ['apps/web/extra.yaml', true],
      ]);
      expect((await git.calls()).slice(before)).toEqual(['ls-tree', '--batch']);
    } finally {
      git.restore();
    }
  });

  describe('a source packed before, at a new commit', () => {
    let mirror: GitMirror;
    const packAt = async (commit: string, path: string, kind: 'raw' | 'kustomize' = 'raw') => {
      await mirror.fetchHead(source.branch);
      return t.app.get(ArtifactPacker).pack({ mirror, commit, path, kind });
    };

    beforeAll(() => {
      mirror = new GitMirror(source.url, join(dir, 'again'));
    });

    it('is found by one object-id read when its roots are as they were: nothing listed again', async () => {
      const unique = `again-${randomBytes(6).toString('hex')}`;
      const first = await packAt(await source.commit({ [`apps/${unique}/cm.yaml`]: CONFIGMAP(unique) }), `apps/${unique}`);
      const git = await logGitCalls(join(dir, 'again-log'), ['ls-tree', 'cat-file']);
      try {
        const next = await source.commit({ 'elsewhere/notes.md': `${unique}\n` });
        await mirror.fetchHead(source.branch);
        const before = (await git.calls()).length;
        expect(await packAt(next, `apps/${unique}`)).toEqual(first);
        expect((await git.calls()).slice(before)).toEqual(['cat-file']);
      } finally {
        git.restore();
      }
    });

    it('are found for many bundles at once: one object-id read for all, and no git process in their packs after it', async () => {
      const unique = `many-${randomBytes(6).toString('hex')}`;
      const paths = [1, 2, 3].map((i) => `apps/${unique}-${i}`);
      const first = await source.commit(Object.fromEntries(paths.map((p) => [`${p}/cm.yaml`, CONFIGMAP(p.replaceAll('/', '-'))])));
      const before = await Promise.all(paths.map((p) => packAt(first, p)));
      const next = await source.commit({ [`${paths[0]}/cm.yaml`]: CONFIGMAP(`${unique}-changed`) });
      await mirror.fetchHead(source.branch);
      const packer = t.app.get(ArtifactPacker);
      const git = await logGitCalls(join(dir, 'many-log'), ['ls-tree', 'cat-file']);
      try {
        await packer.findUnchanged(paths.map((path) => ({ mirror, commit: next, path, kind: 'raw' as const })));
        expect(await git.calls()).toEqual(['cat-file']);
        // The two left alone come without a git process; the changed one is listed and read.
        const after = [];
        for (const path of paths.slice(1)) after.push(await packer.pack({ mirror, commit: next, path, kind: 'raw' }));
        expect(await git.calls()).toEqual(['cat-file']);
        expect(after).toEqual(before.slice(1));
        expect((await packer.pack({ mirror, commit: next, path: paths[0], kind: 'raw' })).digest).not.toBe(before[0].digest);
        expect((await git.calls()).filter((c) => c === 'ls-tree')).toEqual(['ls-tree']);
      } finally {
        git.restore();
      }
    });

    it('is packed again when a path its kustomization refers to, missing before, appears', async () => {
      const unique = `kust-${randomBytes(6).toString('hex')}`;
      const kustomization = `resources:\n  - cm.yaml\n  - ../../shared/${unique}\n`;
      const first = await packAt(
        await source.commit({ [`apps/${unique}/kustomization.yaml`]: kustomization, [`apps/${unique}/cm.yaml`]: CONFIGMAP(unique) }),
        `apps/${unique}`,
        'kustomize',
      );
      const next = await source.commit({ [`shared/${unique}/cm.yaml`]: CONFIGMAP(`${unique}-shared`) });
      expect((await packAt(next, `apps/${unique}`, 'kustomize')).digest).not.toBe(first.digest);
    });

    it('is packed again when the target of a link leading out of it, missing before, appears', async () => {
      const unique = `link-${randomBytes(6).toString('hex')}`;
      await mkdir(join(source.workPath, `apps/${unique}`), { recursive: true });
      await symlink(`../../shared/${unique}.yaml`, join(source.workPath, `apps/${unique}/linked.yaml`));
      const first = await packAt(await source.commit({ [`apps/${unique}/cm.yaml`]: CONFIGMAP(unique) }), `apps/${unique}`);
      const next = await source.commit({ [`shared/${unique}.yaml`]: CONFIGMAP(`${unique}-target`) });
      expect((await packAt(next, `apps/${unique}`)).digest).not.toBe(first.digest);
    });
  });
});
