import { isLabelKey, isLabelValue } from '#core';
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import {
  SELECTOR_OPERATORS,
  type FleetError,
  type LabelSelector,
  type LabelSelectorRequirement,
  type SelectorOperator,
} from './fleet-format';

export type Path = (string | number)[];
export type Mapping = Record<string, unknown>;

/**
 * Reads typed fields out of one YAML document's value and records every problem with the
 * line of the offending field (a missing field points at its parent).
 */
export class FieldReader {
  readonly errors: FleetError[] = [];

  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lineAt: (offset: number) => number,
  ) {}

  mapping(value: unknown, path: Path, required = false): Mapping | undefined {
    if (value === undefined || value === null) {
      if (required) this.fail(path, 'is required');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof Map) {
      this.fail(path, 'must be a mapping');
      return undefined;
    }
    return value as Mapping;
  }

  list(value: unknown, path: Path, what = 'a list'): unknown[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.fail(path, `must be ${what}`);
      return undefined;
    }
    return value;
  }

  string(value: unknown, path: Path, required = false): string | undefined {
    if (value === undefined || value === null) {
      if (required) this.fail(path, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail(path, `must be a string, got ${describe(value)} (quote numbers and booleans)`);
      return undefined;
    }
    if (required && value === '') this.fail(path, 'must not be empty');
    return value;
  }

  boolean(value: unknown, path: Path): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.fail(path, `must be true or false, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  /** A positive count (1, 2, …) or a percentage from "1%" to "100%". */
  countOrPercent(value: unknown, path: Path): number | string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
    if (typeof value === 'string' && /^\d{1,3}%$/.test(value)) {
      const percent = Number(value.slice(0, -1));
      if (percent >= 1 && percent <= 100) return value;
    }
    this.fail(path, `must be a positive whole number or a percentage such as "25%", got ${describe(value)}`);
    return undefined;
  }

  /** A map of strings; with `labels`, keys and values must be valid Kubernetes label keys and values. */
  stringMap(value: unknown, path: Path, labels = false): Record<string, string> | undefined {
    const map = this.mapping(value, path);
    if (map === undefined) return undefined;
    const result: Record<string, string> = {};
    for (const [key, v] of Object.entries(map)) {
      const text = this.string(v, [...path, key]);
      if (text === undefined) continue;
      if (labels && !isLabelKey(key)) this.fail([...path, key], `"${key}" is not a valid label key`);
      else if (labels && !isLabelValue(text)) this.fail([...path, key], `"${text}" is not a valid label value`);
      result[key] = text;
    }
    return result;
  }

  selector(value: unknown, path: Path, required = true): LabelSelector | undefined {
    const selector = this.mapping(value, path, required);
    if (selector === undefined) return undefined;
    this.knownKeys(selector, path, ['matchLabels', 'matchExpressions']);
    const matchLabels = this.stringMap(selector.matchLabels, [...path, 'matchLabels'], true) ?? {};
    const matchExpressions: LabelSelectorRequirement[] = [];
    const expressionsPath = [...path, 'matchExpressions'];
    this.list(selector.matchExpressions, expressionsPath)?.forEach((item, i) => {
      const requirement = this.requirement(item, [...expressionsPath, i]);
      if (requirement !== undefined) matchExpressions.push(requirement);
    });
    return { matchLabels, matchExpressions };
  }

  knownKeys(map: Mapping, path: Path, allowed: string[]): void {
    for (const key of Object.keys(map)) {
      if (!allowed.includes(key)) this.fail([...path, key], `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }

  fail(path: Path, message: string): void {
    this.errors.push({ file: this.file, line: this.lineOf(path), field: path.length === 0 ? null : formatFieldPath(path), message });
  }

  /** Line of the deepest node along `path` that exists (a missing field points at its parent). */
  lineOf(path: Path): number {
    let node: unknown = this.doc.contents;
    let line = this.nodeLine(node);
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
        if (pair === undefined) break;
        line = this.nodeLine(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        node = node.items[segment];
        line = this.nodeLine(node) ?? line;
      } else {
        break;
      }
    }
    return line ?? 1;
  }

  private requirement(value: unknown, path: Path): LabelSelectorRequirement | undefined {
    const expression = this.mapping(value, path);
    if (expression === undefined) return undefined;
    this.knownKeys(expression, path, ['key', 'operator', 'values']);
    const key = this.string(expression.key, [...path, 'key'], true);
    if (key !== undefined && !isLabelKey(key)) this.fail([...path, 'key'], `"${key}" is not a valid label key`);
    const operator = this.string(expression.operator, [...path, 'operator'], true);
    if (operator !== undefined && !SELECTOR_OPERATORS.includes(operator as SelectorOperator)) {
      this.fail([...path, 'operator'], `unknown operator "${operator}" (one of ${SELECTOR_OPERATORS.join(', ')})`);
      return undefined;
    }
    const valuesPath = [...path, 'values'];
    const values = (this.list(expression.values, valuesPath, 'a list of strings') ?? []).flatMap(
      (v, i) => this.string(v, [...valuesPath, i], true) ?? [],
    );
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      this.fail(valuesPath, `must not be empty for operator ${operator}`);
    }
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      this.fail(valuesPath, `must be empty for operator ${operator}`);
    }
    if (key === undefined || operator === undefined) return undefined;
    return { key, operator: operator as SelectorOperator, values };
  }

  private nodeLine(node: unknown): number | undefined {
    const range = (node as Node | null | undefined)?.range;
    return range ? this.lineAt(range[0]) : undefined;
  }
}

/** `spec.targets[0].clusterSelector` */
export function formatFieldPath(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' && value !== null ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}
