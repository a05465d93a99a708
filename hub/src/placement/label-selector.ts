import type { LabelSelector, LabelSelectorRequirement } from '../fleet-repo/fleet-format';

/** Kubernetes semantics: every matchLabels entry and every expression must hold; `{}` matches all. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  // Loops without closures or entry arrays: placement asks this of every bundle for every cluster.
  for (const key in selector.matchLabels) {
    if (!Object.hasOwn(selector.matchLabels, key)) continue;
    if (!Object.hasOwn(labels, key) || labels[key] !== selector.matchLabels[key]) return false;
  }
  for (const requirement of selector.matchExpressions) if (!requirementMatches(requirement, labels)) return false;
  return true;
}

function requirementMatches(requirement: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  switch (requirement.operator) {
    case 'In':
      return present && requirement.values.includes(labels[requirement.key]);
    case 'NotIn':
      // As in Kubernetes, a cluster without the label is "not in" any set of values.
      return !present || !requirement.values.includes(labels[requirement.key]);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
  }
}
