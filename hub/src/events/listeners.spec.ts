import { describe, expect, it } from 'vitest';
import { Listeners } from './listeners';

describe('in-process change events', () => {
  it('start every listener at emit, even behind one that waits; emit resolves when all are done; a failure stops none', async () => {
    const errors: unknown[] = [];
    const listeners = new Listeners<string>((error) => errors.push(error));
    const seen: string[] = [];
    let release!: () => void;
    const waiting = new Promise<void>((resolve) => (release = resolve));
    listeners.add(async (event) => {
      seen.push(`slow started ${event}`);
      await waiting;
      seen.push('slow done');
    });
    listeners.add(() => {
      throw new Error('broken');
    });
    listeners.add((event) => void seen.push(`quick ${event}`));

    let resolved = false;
    const emitted = listeners.emit('x').then(() => (resolved = true));
    // Before any await: what each listener does up to its first await is done.
    expect(seen).toEqual(['slow started x', 'quick x']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);
    release();
    await emitted;
    expect(seen).toEqual(['slow started x', 'quick x', 'slow done']);
    expect(errors).toEqual([new Error('broken')]);
  });
});
