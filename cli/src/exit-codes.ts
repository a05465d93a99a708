/**
 * What `gitfleet` exits with, so that CI can gate on it. The one source of the exit codes:
 * the commands return these, `gitfleet --help` lists them, and the table in docs/cli.md is
 * checked against `exitCodeTable()` by a test.
 */
export const EXIT_CODES = [
  { name: 'ok', code: 0, short: 'ok', meaning: 'done, and nothing is wrong' },
  {
    name: 'problem',
    code: 1,
    short: 'something is wrong (failed, degraded, unreachable, halted, drifted, fleet repo rejected or unfetchable) or the hub refused',
    meaning:
      'done, and something is wrong in what the command looked at: a bundle failed, degraded or missing; a cluster unreachable; ' +
      'a rollout halted; drift found; a fleet repository whose newest commit is rejected or that cannot be fetched; a commit ' +
      'waited for that failed, was rejected or superseded. Or the hub refused the request (unknown cluster, bad commit, …)',
  },
  { name: 'usage', code: 2, short: 'usage error', meaning: 'the command line is wrong (checked before the hub is asked)' },
  {
    name: 'hub',
    code: 3,
    short: 'the hub cannot be reached or refused the token',
    meaning:
      "the hub cannot be reached (connection refused, time-out, a proxy's 502/503/504, an answer that is not JSON) or refused " +
      "the token (401, or 403: the token's role is too low)",
  },
  {
    name: 'timeout',
    code: 4,
    short: '--timeout ran out (wait, rollout --watch)',
    meaning: '`wait` or `rollout --watch`: `--timeout` ran out before every targeted cluster got there',
  },
  { name: 'interrupted', code: 130, short: 'interrupted (Ctrl-C)', meaning: 'interrupted (Ctrl-C), as a shell reports SIGINT' },
] as const;

type ExitName = (typeof EXIT_CODES)[number]['name'];

export const EXIT = Object.fromEntries(EXIT_CODES.map((e) => [e.name, e.code])) as {
  [K in ExitName]: Extract<(typeof EXIT_CODES)[number], { name: K }>['code'];
};

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit codes as docs/cli.md shows them. */
export function exitCodeTable(): string {
  return ['| Code | Meaning |', '|---|---|', ...EXIT_CODES.map((e) => `| ${e.code} | ${e.meaning} |`)].join('\n');
}

/** The exit codes as `gitfleet --help` lists them, one a line. */
export function exitCodeHelp(): string {
  return EXIT_CODES.map((e) => `  ${String(e.code).padStart(3)}  ${e.short}`).join('\n');
}

/** A command's own "Exit codes:" line: what each code it returns means for it. */
export function exitCodesOf(meanings: Partial<Record<ExitName, string>>): string {
  const parts = EXIT_CODES.filter((e) => meanings[e.name] !== undefined).map((e) => `${e.code} ${meanings[e.name]}`);
  return wrap(`Exit codes: ${parts.join('; ')}.`, 95);
}

/** Words to lines of at most `width` columns. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}
