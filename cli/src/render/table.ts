import { visibleWidth } from './colour';

/** Aligned columns like kubectl's: upper-case headers, two spaces between columns, no trailing blanks. */

export interface Column<Row> {
  header: string;
  /** The cell, possibly already painted; its width is measured without ANSI codes. */
  cell: (row: Row) => string;
  /** Numbers read better flush right. */
  align?: 'left' | 'right';
}

const GAP = '  ';

export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const grid = [columns.map((c) => c.header.toUpperCase()), ...rows.map((row) => columns.map((c) => oneLine(c.cell(row))))];
  const widths = columns.map((_, i) => Math.max(...grid.map((line) => visibleWidth(line[i]))));
  return grid
    .map((line) =>
      line
        .map((text, i) => {
          const pad = ' '.repeat(widths[i] - visibleWidth(text));
          return columns[i].align === 'right' ? pad + text : text + pad;
        })
        .join(GAP)
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

/** A cell never breaks the grid: newlines and tabs become spaces. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ');
}

/** Key–value lines for one object ("Name:  web"), labels aligned. */
export function renderFields(fields: readonly [label: string, value: string][]): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length + 1));
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${value}`.trimEnd()).join('\n') + '\n';
}
