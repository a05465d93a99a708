import type { BundleDocument, ClusterGroupDocument, FleetError } from './fleet-format';

/** The last good (or candidate) documents of one fleet repository. */
export interface RepoDocuments {
  repo: string;
  bundles: BundleDocument[];
  groups: ClusterGroupDocument[];
}

/**
 * Rules over the whole fleet, all repositories together: bundle and group names unique,
 * every dependsOn and clusterGroup naming something that exists, no dependency cycle.
 * Errors in documents of a repository other than `changed` say which repository they are in
 * (the change broke them).
 */
export function checkFleetReferences(repos: RepoDocuments[], changed: string): FleetError[] {
  const errors: FleetError[] = [];
  const where = (repo: string) => (repo === changed ? '' : ` (in fleet repository "${repo}")`);
  const bundles = new Map<string, { repo: string; doc: BundleDocument }>();
  const groups = new Map<string, { repo: string; doc: ClusterGroupDocument }>();
  // The changed repository last, so that a clash is reported against the change.
  const ordered = [...repos.filter((r) => r.repo !== changed), ...repos.filter((r) => r.repo === changed)];

  for (const { repo, bundles: docs, groups: groupDocs } of ordered) {
    for (const doc of groupDocs) {
      const first = groups.get(doc.group.name);
      if (first === undefined) groups.set(doc.group.name, { repo, doc });
      else if (first.repo !== repo) errors.push(clash(doc, 'cluster group', doc.group.name, first, where(repo)));
    }
    for (const doc of docs) {
      const first = bundles.get(doc.bundle.name);
      if (first === undefined) bundles.set(doc.bundle.name, { repo, doc });
      else if (first.repo !== repo) errors.push(clash(doc, 'bundle', doc.bundle.name, first, where(repo)));
    }
  }

  for (const { repo, bundles: docs } of ordered) {
    for (const doc of docs) {
      const b = doc.bundle;
      b.dependsOn.forEach((name, i) => {
        if (!bundles.has(name)) errors.push(at(doc, `spec.dependsOn[${i}]`, `bundle "${name}" does not exist${where(repo)}`));
      });
      b.targets.forEach((t, i) => {
        if (t.clusterGroup !== undefined && !groups.has(t.clusterGroup)) {
          errors.push(at(doc, `spec.targets[${i}].clusterGroup`, `cluster group "${t.clusterGroup}" does not exist${where(repo)}`));
        }
      });
      b.rollout?.partitions.forEach((p, i) => {
        if (p.clusterGroup !== undefined && !groups.has(p.clusterGroup)) {
          errors.push(
            at(doc, `spec.rollout.partitions[${i}].clusterGroup`, `cluster group "${p.clusterGroup}" does not exist${where(repo)}`),
          );
        }
      });
    }
  }

  for (const cycle of dependencyCycles(new Map([...bundles].map(([name, { doc }]) => [name, doc.bundle.dependsOn])))) {
    const { repo, doc } = bundles.get(cycle[0])!;
    const index = doc.bundle.dependsOn.indexOf(cycle[1]);
    errors.push(at(doc, `spec.dependsOn[${index}]`, `dependency cycle: ${[...cycle, cycle[0]].join(' → ')}${where(repo)}`));
  }
  return errors;
}

/**
 * Every elementary cycle found by a depth-first walk, each once, rotated to start at its
 * smallest name (so the report does not depend on file order).
 */
export function dependencyCycles(graph: Map<string, string[]>): string[][] {
  const cycles = new Map<string, string[]>();
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'visiting') {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0]);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(rotated.join('\0'), rotated);
      } else if (state.get(next) === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (state.get(node) === undefined) visit(node);
  return [...cycles.values()];
}

function at(doc: BundleDocument, field: string, message: string): FleetError {
  return { file: doc.file, line: doc.fieldLines[field] ?? doc.line, field, message };
}

function clash(
  doc: { file: string; nameLine: number },
  what: string,
  name: string,
  first: { repo: string; doc: { file: string; line: number } },
  suffix: string,
): FleetError {
  return {
    file: doc.file,
    line: doc.nameLine,
    field: 'metadata.name',
    message: `duplicate ${what} name "${name}" (first defined in fleet repository "${first.repo}" at ${first.doc.file}:${first.doc.line})${suffix}`,
  };
}
