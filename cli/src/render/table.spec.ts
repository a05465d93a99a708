import { describe, expect, it } from 'vitest';
import { painter } from './colour';
import { renderFields, renderTable } from './table';

const rows = [
  { name: 'prod-eu-1', phase: 'synced', drift: 0 },
  { name: 'dev', phase: 'failed', drift: 12 },
];

describe('renderTable', () => {
  it('aligns columns under upper-case headers, two spaces apart, with no trailing blanks', () => {
    const text = renderTable(
      [
        { header: 'name', cell: (r: (typeof rows)[number]) => r.name },
        { header: 'drift', cell: (r) => String(r.drift), align: 'right' },
        { header: 'phase', cell: (r) => r.phase },
      ],
      rows,
    );
    expect(text).toBe(['NAME       DRIFT  PHASE', 'prod-eu-1      0  synced', 'dev           12  failed', ''].join('\n'));
  });

  it('measures painted cells by what the terminal shows, not by their escape codes', () => {
    const paint = painter(true);
    const text = renderTable(
      [
        { header: 'phase', cell: (r: (typeof rows)[number]) => paint(r.phase === 'failed' ? 'red' : 'green', r.phase) },
        { header: 'name', cell: (r) => r.name },
      ],
      rows,
    );
    const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toBe(['PHASE   NAME', 'synced  prod-eu-1', 'failed  dev', ''].join('\n'));
    expect(text).toContain('\u001b[31mfailed\u001b[39m  dev');
  });

  it('keeps a multi-line message on its row', () => {
    expect(renderTable([{ header: 'message', cell: () => 'line one\nline two' }], [{}])).toBe('MESSAGE\nline one line two\n');
  });

  it('renders an empty list as the header alone', () => {
    expect(renderTable([{ header: 'name', cell: () => 'x' }], [])).toBe('NAME\n');
  });
});

describe('renderFields', () => {
  it('aligns values after their labels', () => {
    expect(
      renderFields([
        ['Name', 'web'],
        ['Connectivity', 'connected'],
      ]),
    ).toBe('Name:          web\nConnectivity:  connected\n');
  });
});
