import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logger';

/** A debug-level logger whose lines the test can read back, to check what reaches logs. */
export function capturingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: createLogger('trace', stream), text: () => lines.join('') };
}
