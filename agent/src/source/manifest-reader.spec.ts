import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSourceLimits } from './limits';
import { readManifests } from './manifest-reader';

const limits = defaultSourceLimits();
let root: string;

async function files(entries: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(entries)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), content);
  }
}

const cm = (name: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gitfleet-reader-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('readManifests', () => {
  it('reads multi-document YAML and skips empty documents, remembering file and line', async () => {
    await files({ 'app/all.yaml': `---\n${cm('a')}---\n# only a comment\n---\n\n---\n${cm('b')}` });
    const manifests = await readManifests(root, 'app', limits);
    expect(manifests.map((m) => [m.object.metadata.name, m.file, m.line])).toEqual([
      ['a', 'app/all.yaml', 2],
      ['b', 'app/all.yaml', 11],
    ]);
  });

  it('reads .yaml, .yml and .json recursively in byte order and ignores other files', async () => {
    await files({
      'app/b.yml': cm('from-b-yml'),
      'app/a.yaml': cm('from-a-yaml'),
      'app/sub/c.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-c-json' } }),
      'app/Z.yaml': cm('from-upper-z'),
      'app/README.md': 'not a manifest',
      'app/notes.txt': 'kind: nothing',
    });
    const manifests = await readManifests(root, 'app', limits);
    expect(manifests.map((m) => m.object.metadata.name)).toEqual(['from-upper-z', 'from-a-yaml', 'from-b-yml', 'from-c-json']);
  });

  it('expands a v1 List into its items', async () => {
    await files({ 'app/list.yaml': `apiVersion: v1\nkind: List\nitems:\n  - ${cm('x').replace(/\n/g, '\n    ')}\n` });
    const manifests = await readManifests(root, 'app', limits);
    expect(manifests.map((m) => m.object.metadata.name)).toEqual(['x']);
  });

  it('refuses documents without apiVersion, kind or metadata.name, naming every file and line', async () => {
    await files({
      'app/ok.yaml': cm('fine'),
      'app/bad.yaml': `${cm('first')}---\napiVersion: v1\nmetadata:\n  name: no-kind\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n`,
      'app/scalar.yaml': 'just a string\n',
    });
    await expect(readManifests(root, 'app', limits)).rejects.toThrow(
      '3 invalid manifests: app/bad.yaml:6: not a Kubernetes object: missing kind; ' +
        'app/bad.yaml:10: not a Kubernetes object: missing metadata.name; ' +
        'app/scalar.yaml:1: document is not a Kubernetes object (expected a mapping)',
    );
  });

  it('reports YAML syntax errors with file and line', async () => {
    await files({ 'app/broken.yaml': `${cm('a')}data:\n  key: [unclosed\n` });
    await expect(readManifests(root, 'app', limits)).rejects.toThrow(/^app\/broken\.yaml:\d+: invalid YAML/);
  });

  it('refuses a YAML alias bomb', async () => {
    const bomb = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: lol',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    ].join('\n');
    await files({ 'app/bomb.yaml': bomb });
    await expect(readManifests(root, 'app', limits)).rejects.toThrow(/^app\/bomb\.yaml:1: .*alias/i);
  });

  it('refuses a file over the size limit before reading it', async () => {
    await files({ 'app/huge.yaml': `${cm('huge')}data:\n  blob: "${'x'.repeat(2048)}"\n` });
    await expect(readManifests(root, 'app', { ...limits, maxFileBytes: 1024 })).rejects.toThrow(
      /^app\/huge\.yaml: file is 2\.\d KiB, over the limit of 1 KiB$/,
    );
  });

  it('refuses manifests whose total size is over the limit', async () => {
    await files({
      'app/a.yaml': `${cm('a')}data:\n  k: "${'x'.repeat(600)}"\n`,
      'app/b.yaml': `${cm('b')}data:\n  k: "${'x'.repeat(600)}"\n`,
    });
    await expect(readManifests(root, 'app', { ...limits, maxTotalBytes: 1000 })).rejects.toThrow(/exceed the total limit of 1000 B/);
  });

  it('refuses more documents than the limit', async () => {
    await files({ 'app/many.yaml': [1, 2, 3].map((n) => cm(`cm-${n}`)).join('---\n') });
    await expect(readManifests(root, 'app', { ...limits, maxDocuments: 2 })).rejects.toThrow('more than 2 documents under "app"');
  });

  it('counts empty documents against the limit, naming the file and line where it was passed', async () => {
    await files({ 'app/a.yaml': cm('a'), 'app/empty.yaml': '---\n'.repeat(10) });
    await expect(readManifests(root, 'app', { ...limits, maxDocuments: 5 })).rejects.toThrow(
      'app/empty.yaml:5: more than 5 documents under "app" (empty ones count too)',
    );
  });

  it('refuses a file of a million document markers before parsing any of it', async () => {
    await files({ 'app/bomb.yaml': '---\n'.repeat(1_000_000) });
    const started = Date.now();
    await expect(readManifests(root, 'app', limits)).rejects.toThrow('app/bomb.yaml:10001: more than 10000 documents under "app"');
    // Not a timing assertion on the machine's speed: parsing them all took minutes, the scan far less than the test timeout.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses a document over the size limit, naming the file and the line where it starts', async () => {
    await files({ 'app/big.yaml': `${cm('small')}---\n${cm('big')}data:\n  k: "${'x'.repeat(2000)}"\n` });
    await expect(readManifests(root, 'app', { ...limits, maxDocumentBytes: 1024 })).rejects.toThrow(
      /^app\/big\.yaml:5: document is 2 KiB, over the limit of 1 KiB for one document$/,
    );
  });

  it('refuses objects nested deeper than the limit, block or flow style, naming file and line', async () => {
    const flow = `${cm('flow')}data:\n  k: v\nspec: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const block = `${cm('block')}spec:\n${Array.from({ length: 120 }, (_, i) => `${'  '.repeat(i + 1)}l${i}:`).join('\n')} x\n`;
    await files({ 'app/block.yaml': block, 'app/flow.yaml': flow });
    await expect(readManifests(root, 'app', limits)).rejects.toThrow(
      /app\/block\.yaml:1: nested deeper than the limit of 100 levels; app\/flow\.yaml:\d+: .*nested deeper than the limit of 100 levels/,
    );
  });

  it('keeps directives and comments before a document marker with that document, and lines right across documents', async () => {
    await files({ 'app/a.yaml': `# header\n%YAML 1.2\n---\n${cm('a')}...\n---\n${cm('b')}---\n\n${cm('c')}` });
    const manifests = await readManifests(root, 'app', limits);
    expect(manifests.map((m) => [m.object.metadata.name, m.line])).toEqual([
      ['a', 4],
      ['b', 10],
      ['c', 16],
    ]);
  });

  it('does not cut a document at a marker-like text that is not at column 0 or is followed by more', async () => {
    await files({ 'app/a.yaml': `${cm('a')}data:\n  k: |\n    ---\n    x\n  j: ----\n` });
    const manifests = await readManifests(root, 'app', limits);
    expect(manifests.map((m) => m.object.data)).toEqual([{ k: '---\nx\n', j: '----' }]);
  });

  it.each(['../outside', 'app/../../etc', '/etc', 'app/./../..'])('refuses the traversal path %s', async (path) => {
    await files({ 'app/a.yaml': cm('a') });
    await expect(readManifests(root, path, limits)).rejects.toThrow(/must be relative|must not contain '\.\.'/);
  });

  it('refuses a symlink that resolves outside the checkout', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'gitfleet-outside-'));
    try {
      await writeFile(join(outside, 'secret.yaml'), cm('stolen'));
      await files({ 'app/a.yaml': cm('a') });
      await symlink(join(outside, 'secret.yaml'), join(root, 'app', 'b.yaml'));
      await expect(readManifests(root, 'app', limits)).rejects.toThrow('app/b.yaml: symlink resolves outside the repository');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('follows a symlink that stays inside the checkout', async () => {
    await files({ 'shared/base.yaml': cm('shared'), 'app/a.yaml': cm('a') });
    await symlink('../shared', join(root, 'app', 'shared'));
    const manifests = await readManifests(root, 'app', limits);
    expect(manifests.map((m) => [m.object.metadata.name, m.file])).toEqual([
      ['a', 'app/a.yaml'],
      ['shared', 'app/shared/base.yaml'],
    ]);
  });

  it('says so when the path does not exist', async () => {
    await expect(readManifests(root, 'nowhere', limits)).rejects.toThrow('nowhere: does not exist at this commit');
  });
});
