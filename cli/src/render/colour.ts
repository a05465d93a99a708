/** Plain ANSI styling, decided once per run: no colour unless stdout is a terminal and nobody said no. */

export type Style = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'grey' | 'bold';

const CODES: Record<Style, [open: number, close: number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  grey: [90, 39],
  bold: [1, 22],
};

export interface ColourInputs {
  /** stdout is a terminal. */
  isTTY: boolean;
  /** --no-color was given. */
  noColorFlag: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

/** https://no-color.org: NO_COLOR set to anything non-empty turns colour off; so does TERM=dumb. */
export function colourEnabled({ isTTY, noColorFlag, env }: ColourInputs): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

/** A painter that styles text when colour is on and returns it unchanged otherwise. */
export type Paint = (style: Style | undefined, text: string) => string;

export function painter(enabled: boolean): Paint {
  if (!enabled) return (_style, text) => text;
  return (style, text) => (style === undefined || text === '' ? text : `\u001b[${CODES[style][0]}m${text}\u001b[${CODES[style][1]}m`);
}

const ANSI = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Columns a string takes on a terminal (ANSI codes take none). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

const PHASE_STYLES: Record<string, Style> = {
  synced: 'green',
  'rolling-out': 'cyan',
  pending: 'yellow',
  waiting: 'yellow',
  paused: 'magenta',
  suspended: 'grey',
  failed: 'red',
  unknown: 'grey',
};

const HEALTH_STYLES: Record<string, Style> = {
  healthy: 'green',
  progressing: 'cyan',
  suspended: 'grey',
  unknown: 'grey',
  missing: 'yellow',
  degraded: 'red',
};

/** Everything the CLI colours by value: phases, health, connectivity, cluster, rollout and token states. */
const STATE_STYLES: Record<string, Style> = {
  connected: 'green',
  unreachable: 'red',
  active: 'green',
  revoked: 'red',
  progressing: 'cyan',
  done: 'green',
  halted: 'red',
  updating: 'cyan',
  usable: 'green',
  expired: 'grey',
  'used-up': 'grey',
};

export function phaseStyle(phase: string): Style | undefined {
  return PHASE_STYLES[phase];
}

export function healthStyle(health: string): Style | undefined {
  return HEALTH_STYLES[health];
}

/** Style for any state word the API answers (phase first, then health, then the rest). */
export function stateStyle(state: string): Style | undefined {
  return PHASE_STYLES[state] ?? HEALTH_STYLES[state] ?? STATE_STYLES[state];
}

/** A count list ("3 synced, 1 failed") with each count in its state's colour. */
export function paintCounts(list: string, paint: Paint): string {
  return list.replace(/(\d+) ([a-z-]+)/g, (_all, n: string, state: string) => paint(stateStyle(state), `${n} ${state}`));
}
