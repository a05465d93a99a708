/**
 * What can be checked of the Helm charts without a helm binary (render.spec.ts and the install
 * specs use the real one): each template's actions are balanced, and every `.Values.x.y` a
 * template reads has a default in the chart's values.yaml — a misspelt value would otherwise
 * render empty without a word.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const CHARTS = join(__dirname, '../../charts');

function templates(chart: string): [string, string][] {
  const dir = join(CHARTS, chart, 'templates');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.tpl'))
    .map((f) => [f, readFileSync(join(dir, f), 'utf8')]);
}

function has(values: unknown, path: string[]): boolean {
  let node = values;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

describe.each(readdirSync(CHARTS))('chart %s', (chart) => {
  const values = parse(readFileSync(join(CHARTS, chart, 'values.yaml'), 'utf8')) as unknown;

  it('has a default in values.yaml for every value its templates read', () => {
    const missing: string[] = [];
    for (const [file, text] of templates(chart)) {
      for (const match of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        const path = match[1].slice(1).split('.');
        if (!has(values, path)) missing.push(`${file}: .Values.${path.join('.')}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('balances every if/with/range/define with an end, and every {{ with }}', () => {
    for (const [file, text] of templates(chart)) {
      let depth = 0;
      for (const [, action] of text.matchAll(/\{\{-?\s*(if|with|range|define|end)\b/g)) {
        depth += action === 'end' ? -1 : 1;
        expect(depth, `${file}: an {{ end }} without its opening`).toBeGreaterThanOrEqual(0);
      }
      expect(depth, `${file}: blocks left open`).toBe(0);
      expect(text.split('{{').length, `${file}: unbalanced braces`).toBe(text.split('}}').length);
    }
  });
});
