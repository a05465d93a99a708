import type { CommandContext } from '../command';

/**
 * Shows what a watching command sees, as it changes: a terminal gets the frame redrawn in
 * place, a pipe each changed frame once, -o json one JSON line per change.
 */
export function liveFrames(ctx: CommandContext): (text: string, json: unknown, change?: unknown) => void {
  let last = '';
  let drawn = 0;
  return (text, json, change = json) => {
    const key = JSON.stringify(change);
    if (ctx.output === 'json') {
      if (key !== last) ctx.out(`${JSON.stringify(json)}\n`);
    } else if (ctx.interactive) {
      // Cursor up to where the last frame began, clear to the end, draw the new frame.
      ctx.out(`${drawn > 0 ? `\u001b[${drawn}F\u001b[J` : ''}${text}`);
      drawn = text.split('\n').length - 1;
    } else if (key !== last) {
      ctx.out(`${text}\n`);
    }
    last = key;
  };
}
