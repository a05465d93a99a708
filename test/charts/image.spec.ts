/**
 * What can be checked of the image without building it (there is no container engine here):
 * it runs the Node version that package.json "engines" and the README name, that version
 * satisfies every production dependency's own "engines", it carries the renderers the agent
 * looks for, and it runs as the user the charts run it as.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const dockerfile = read('Dockerfile');

type Version = [number, number, number];

function parseVersion(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text.split('.').map(Number);
  return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Whether `version` satisfies an engines range of the forms found in the lockfile
 * (`>=x.y.z`, `^x.y.z`, `x.*`, `x.x`, `x`, joined by `||`); an unknown form throws, so that a
 * new one is looked at rather than passed.
 */
export function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((clause) => {
    const match = /^(>=|\^)?\s*(\d+)(?:\.(\d+|\*|x))?(?:\.(\d+|\*|x))?$/.exec(clause.trim());
    if (!match) throw new Error(`engines range "${range}": cannot read "${clause.trim()}"`);
    const [, operator, major, minor, patch] = match;
    const wildcard = (part: string | undefined) => part === undefined || part === '*' || part === 'x';
    const floor: Version = [Number(major), wildcard(minor) ? 0 : Number(minor), wildcard(patch) ? 0 : Number(patch)];
    if (operator === '>=') return compare(version, floor) >= 0;
    if (operator === '^' || wildcard(minor)) return version[0] === floor[0] && compare(version, floor) >= 0;
    return compare(version, floor) === 0 || (wildcard(patch) && version[0] === floor[0] && version[1] === floor[1]);
  });
}

describe('the image', () => {
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
  // The lowest version the range admits: its first clause's floor (">=20.19", "^22.13.0 || …").
  const minimum = parseVersion(/^(?:\^|>=)?\s*(\d+(?:\.\d+){0,2})/.exec(engines)?.[1] ?? '0');

  it('runs the Node major that "engines" starts from, and the README names the same minimum', () => {
    const nodeVersion = /^ARG NODE_VERSION=(\d+)$/m.exec(dockerfile)?.[1];
    expect(Number(nodeVersion)).toBe(minimum[0]);
    expect(dockerfile.match(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim/gm)).toHaveLength(2);
    expect(dockerfile).not.toMatch(/^FROM node:\d/m);
    expect(read('README.md')).toContain(`Node ${minimum[0]}.${minimum[1]}+`);
  });

  it('runs a Node version every production dependency declares it supports', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; engines?: { node?: string } }> };
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev && entry.engines?.node !== undefined)
      .filter(([, entry]) => !satisfies(minimum, entry.engines!.node!))
      .map(([path, entry]) => `${path.replace(/^node_modules\//, '')} needs node ${entry.engines!.node}`);
    expect(refusing).toEqual([]);
    expect(satisfies(minimum, engines)).toBe(true);
  });

  it('carries a binary for every renderer the agent looks for, and git', () => {
    const installed = /get-tools \S+ ([\w ]+)$/m.exec(dockerfile)?.[1]?.split(' ') ?? [];
    const sourceDir = join(ROOT, 'agent/src/source');
    const lookedFor = readdirSync(sourceDir)
      .filter((file) => file.endsWith('-render.ts'))
      .map((file) => [file, [...readFileSync(join(sourceDir, file), 'utf8').matchAll(/findExecutable\('([\w-]+)'/g)].map((m) => m[1])] as const);
    expect(lookedFor.map(([file]) => file).sort()).toEqual(['helm-render.ts', 'kustomize-render.ts']);
    for (const [file, binaries] of lookedFor) {
      expect(binaries.length, file).toBeGreaterThan(0);
      expect(
        binaries.some((binary) => installed.includes(binary)),
        `${file} looks for ${binaries.join(' or ')}; the image has ${installed.join(', ')}`,
      ).toBe(true);
    }
    expect(dockerfile).toMatch(/COPY --from=build (\/opt\/gitfleet\/bin\/\w+ )+\/usr\/local\/bin\//);
    for (const binary of installed) expect(dockerfile).toContain(`/opt/gitfleet/bin/${binary}`);
    expect(dockerfile).toMatch(/apt-get install [^\n]*\bgit\b[^\n]*openssh-client/);
  });

  it('runs as the user the charts run it as, with HOME writable under a read-only root', () => {
    const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
    expect(user?.slice(1)).toEqual(['10001', '10001']);
    expect(dockerfile).toContain('useradd --uid 10001 --gid 10001 --home-dir /tmp');
    for (const chart of ['gitfleet-agent', 'gitfleet-hub']) {
      const deployment = read(`charts/${chart}/templates/deployment.yaml`);
      expect(deployment, chart).toContain('runAsUser: 10001');
      expect(deployment, chart).toContain('readOnlyRootFilesystem: true');
      expect(deployment, chart).toContain('{ name: tmp, mountPath: /tmp }');
    }
  });
});

describe('satisfies', () => {
  it.each<[string, string, boolean]>([
    ['22.13.0', '>=22', true],
    ['20.19.0', '>=22', false],
    ['22.13.0', '^20.19.0 || ^22.13.0 || >=24.11.0', true],
    ['22.12.0', '^20.19.0 || ^22.13.0 || >=24.11.0', false],
    ['22.13.0', '6.* || 8.* || >= 10.*', true],
    ['22.13.0', '^16 || ^18 || >=20', true],
    ['22.13.0', '4.x || >=6.0.0', true],
    ['22.13.0', '20 || >=23', false],
  ])('%s in "%s": %s', (version, range, expected) => {
    expect(satisfies(parseVersion(version), range)).toBe(expected);
  });
});
