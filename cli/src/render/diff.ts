import type { Paint } from './colour';

/** Colours a unified diff the way git does: headers bold, hunks cyan, removals red, additions green. */
export function colourDiff(diff: string, paint: Paint): string {
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('---') || line.startsWith('+++')) return paint('bold', line);
      if (line.startsWith('@@')) return paint('cyan', line);
      if (line.startsWith('-')) return paint('red', line);
      if (line.startsWith('+')) return paint('green', line);
      return line;
    })
    .join('\n');
}
