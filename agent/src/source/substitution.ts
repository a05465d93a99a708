import { visit, type Document, type Scalar } from 'yaml';

/** `${name}` placeholders; `$${name}` is the escape for a literal `${name}`. */
const PLACEHOLDER = /\$(\$?)\{([A-Za-z0-9_.-]+)\}/g;

/** Values for `${name}` placeholders, keyed by dotted name (`cluster.labels.env`). */
export type SubstitutionValues = Readonly<Record<string, string>>;

/**
 * Replaces placeholders in one string. Only `${...}` around a dotted name is a placeholder:
 * `${FOO:-x}` or `${ a }` are left as they are, so shell snippets in ConfigMaps survive.
 * Returns the new text, or the unknown names with their offsets in the text.
 */
export function substituteText(text: string, values: SubstitutionValues): { text: string; unknown: { name: string; offset: number }[] } {
  const unknown: { name: string; offset: number }[] = [];
  const result = text.replace(PLACEHOLDER, (match, escape: string, name: string, offset: number) => {
    if (escape) return match.slice(1);
    if (Object.hasOwn(values, name)) return values[name];
    unknown.push({ name, offset });
    return match;
  });
  return { text: result, unknown };
}

/**
 * Substitutes into the string scalars of a parsed document, in place. Working on scalars, not
 * on the text, means a value holding `: ` or a newline stays one string and cannot add YAML
 * structure. Map keys are left alone: a placeholder may only stand for a value.
 * Returns the unknown names, each with the 1-based line it was found on.
 */
export function substituteDocument(
  document: Document,
  values: SubstitutionValues,
  lineOf: (offset: number) => number,
): { name: string; line: number }[] {
  const unknown: { name: string; line: number }[] = [];
  visit(document, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const result = substituteText(node.value, values);
      for (const { name, offset } of result.unknown) unknown.push({ name, line: lineInScalar(node, offset, lineOf) });
      node.value = result.text;
    },
  });
  return unknown;
}

/** The line of an offset inside a scalar's value: exact for literal blocks, the scalar's first line otherwise. */
function lineInScalar(node: Scalar, offset: number, lineOf: (offset: number) => number): number {
  const start = lineOf(node.range?.[0] ?? 0);
  if (node.type !== 'BLOCK_LITERAL') return start;
  const newlines = (node.value as string).slice(0, offset).split('\n').length - 1;
  return start + 1 + newlines;
}
