import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every TypeScript file of the CLI that ships (specs and test helpers aside). */
function shippedSources(dir = join(__dirname)): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : shippedSources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('the CLI and the hub', () => {
  it('share the REST contract as types only: the compiled CLI loads nothing of the hub, NestJS or zod', () => {
    const runtimeImports = shippedSources().flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)]
        .map((m) => m[1])
        .filter((source) => source.includes('/hub/') || source === 'zod' || source.startsWith('@nestjs') || source === '#hub')
        .map((source) => `${file}: ${source}`),
    );
    expect(shippedSources().length).toBeGreaterThan(10);
    expect(runtimeImports).toEqual([]);
  });
});
