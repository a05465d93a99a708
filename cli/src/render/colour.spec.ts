import { describe, expect, it } from 'vitest';
import { colourEnabled, paintCounts, painter, stripAnsi, visibleWidth } from './colour';
import { colourDiff } from './diff';

describe('colourEnabled', () => {
  const tty = { isTTY: true, noColorFlag: false, env: {} };

  it('colours a terminal by default', () => {
    expect(colourEnabled(tty)).toBe(true);
  });

  it('never colours when stdout is not a terminal (a pipe, a file, CI logs)', () => {
    expect(colourEnabled({ ...tty, isTTY: false })).toBe(false);
  });

  it('honours --no-color, NO_COLOR (any non-empty value) and TERM=dumb', () => {
    expect(colourEnabled({ ...tty, noColorFlag: true })).toBe(false);
    expect(colourEnabled({ ...tty, env: { NO_COLOR: '1' } })).toBe(false);
    expect(colourEnabled({ ...tty, env: { NO_COLOR: '' } })).toBe(true);
    expect(colourEnabled({ ...tty, env: { TERM: 'dumb' } })).toBe(false);
  });
});

describe('painter', () => {
  it('leaves text alone when colour is off', () => {
    expect(painter(false)('red', 'failed')).toBe('failed');
  });

  it('wraps text in ANSI codes when on, which take no columns', () => {
    const red = painter(true)('red', 'failed');
    expect(red).toBe('\u001b[31mfailed\u001b[39m');
    expect(stripAnsi(red)).toBe('failed');
    expect(visibleWidth(red)).toBe(6);
  });

  it('colours each count of a count list by its state', () => {
    expect(paintCounts('3 synced, 1 failed', painter(true))).toBe('\u001b[32m3 synced\u001b[39m, \u001b[31m1 failed\u001b[39m');
    expect(paintCounts('3 synced, 1 failed', painter(false))).toBe('3 synced, 1 failed');
  });
});

describe('colourDiff', () => {
  const diff = '--- ConfigMap/web/web (live)\n+++ ConfigMap/web/web (desired)\n@@ -1,2 +1,2 @@\n data:\n-  key: one\n+  key: two\n';

  it('paints removals red and additions green, headers bold and hunks cyan', () => {
    const lines = colourDiff(diff, painter(true)).split('\n');
    expect(lines[0]).toBe('\u001b[1m--- ConfigMap/web/web (live)\u001b[22m');
    expect(lines[2]).toBe('\u001b[36m@@ -1,2 +1,2 @@\u001b[39m');
    expect(lines[3]).toBe(' data:');
    expect(lines[4]).toBe('\u001b[31m-  key: one\u001b[39m');
    expect(lines[5]).toBe('\u001b[32m+  key: two\u001b[39m');
  });

  it('is the diff unchanged without colour', () => {
    expect(colourDiff(diff, painter(false))).toBe(diff);
  });
});
