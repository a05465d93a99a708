import { valueAt } from '../json-value';
import { SelectorError } from './label-selector';

export interface FieldRequirement {
  field: string;
  equal: boolean;
  value: string;
}

/** Parses `metadata.name=x,status.phase!=Running` (`==` accepted as `=`). */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  return selector
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((term) => {
      const m = term.match(/^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/);
      if (!m) throw new SelectorError(`invalid selector: '${term}'; can't understand '${term}'`);
      return { field: m[1], equal: m[2] !== '!=', value: m[3] };
    });
}

export function matchesFields(object: unknown, requirements: FieldRequirement[]): boolean {
  return requirements.every((r) => {
    const actual = valueAt(object, r.field);
    const text = actual === undefined || actual === null ? '' : String(actual);
    return (text === r.value) === r.equal;
  });
}
