/**
 * The rooms of ARCHITECTURE.md, checked from the import graph: per project, the folders of its
 * src/ (product files only: no specs, no testing/ fixtures) must not depend on each other in a
 * cycle. The hub still has a few back-references, listed in HUB_DEBT: the list may only shrink
 * (an entry whose import is gone fails too, so that it is struck off), and no new one may come.
 * The per-file rules (hub ↛ agent, agent rooms' layering, the CLI's type-only contract) are
 * eslint's (eslint.config.mjs); this spec sees what a per-file rule cannot: cycles.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

/** Back-references between hub rooms that the code has today (from → to). Remove, never add. */
const HUB_DEBT: readonly string[] = [
  'artifacts → fleet-repo', // the packer reads the mirror's trees; fleet-repo asks it to pack
  'auth → fleet-repo', // scopes name cluster groups of the fleet format
  'auth → placement', // scopes resolve groups to clusters through placement
  'events → rollout', // rollout transitions are described by the rollout plan's types
  'events → status', // status transitions are described by the report's types
  'placement → rollout', // placement applies rollout gates and pins
  'status → metrics', // the status writer counts what it wrote
];

/** room → rooms it imports, from the relative imports of the product files under src. */
function roomGraph(src: string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const rooms = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory() && name !== 'testing');
  for (const room of rooms) {
    const uses = new Set<string>();
    for (const file of productFiles(join(src, room))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = relative(src, resolve(join(file, '..'), match[1])).split(sep)[0];
        if (target !== room && rooms.includes(target)) uses.add(target);
      }
    }
    graph.set(room, uses);
  }
  return graph;
}

/** Source without its comments (prose like "one UPDATE per batch" names no table). */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

function productFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : productFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

/** The cycles of a graph, each as the rooms it passes (one per strongly connected component). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (room: string): void => {
    order.set(room, index);
    low.set(room, index++);
    stack.push(room);
    for (const next of graph.get(room) ?? []) {
      if (!order.has(next)) {
        visit(next);
        low.set(room, Math.min(low.get(room)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(room, Math.min(low.get(room)!, order.get(next)!));
      }
    }
    if (low.get(room) === order.get(room)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== room);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const room of graph.keys()) if (!order.has(room)) visit(room);
  return found;
}

function without(graph: Map<string, Set<string>>, edges: readonly string[]): Map<string, Set<string>> {
  const copy = new Map([...graph].map(([room, uses]) => [room, new Set(uses)]));
  for (const edge of edges) {
    const [from, to] = edge.split(' → ') as [string, string];
    copy.get(from)?.delete(to);
  }
  return copy;
}

describe('rooms', () => {
  for (const project of ['agent', 'core', 'cli', 'kube-sim']) {
    it(`${project}/src: no cycle between folders`, () => {
      expect(cycles(roomGraph(join(ROOT, project, 'src')))).toEqual([]);
    });
  }

  it('hub/src: no cycle between folders but the listed back-references', () => {
    expect(cycles(without(roomGraph(join(ROOT, 'hub/src')), HUB_DEBT))).toEqual([]);
  });

  it('hub/src: every listed back-reference still exists (strike off the ones that are gone)', () => {
    const graph = roomGraph(join(ROOT, 'hub/src'));
    const gone = HUB_DEBT.filter((edge) => {
      const [from, to] = edge.split(' → ') as [string, string];
      return !graph.get(from)?.has(to);
    });
    expect(gone).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c']]);
    expect(cycles(without(graph, ['c → a']))).toEqual([]);
  });

  it('hub: each table is written by one room (its store), whoever reads it', () => {
    const src = join(ROOT, 'hub/src');
    const writers = new Map<string, Set<string>>();
    for (const room of readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory())) {
      if (room === 'testing' || room === 'database') continue; // fixtures; migrations own every table's shape
      for (const file of productFiles(join(src, room))) {
        const code = withoutComments(readFileSync(file, 'utf8'));
        for (const match of code.matchAll(/\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+([a-z_]+)\b/g)) {
          const table = match[1];
          if (!writers.has(table)) writers.set(table, new Set());
          writers.get(table)!.add(room);
        }
      }
    }
    const shared = [...writers].filter(([, rooms]) => rooms.size > 1).map(([table, rooms]) => `${table}: ${[...rooms].sort().join(', ')}`);
    expect(writers.size).toBeGreaterThan(10);
    expect(shared).toEqual([]);
  });
});
