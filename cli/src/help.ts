import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from './command';
import { DEFAULT_HUB } from './args';
import { exitCodeHelp } from './exit-codes';

/** `gitfleet --help` and `gitfleet --version`. */

const GLOBAL_FLAGS = `Global flags:
  --hub <url>       the hub's HTTP address (env GITFLEET_HUB, default ${DEFAULT_HUB})
  --token <token>   API token (env GITFLEET_TOKEN); never printed
  -o, --output f    table (default), wide, or json (the API's JSON, for scripts)
  --no-color        no colour (also NO_COLOR=1, or when stdout is not a terminal)
  --timeout <d>     per request (default 10s); for wait and rollout --watch, the whole wait
  -h, --help        help; \`gitfleet <command> --help\` for one command
  --version         the CLI's version`;

export function generalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `gitfleet: see and steer a gitfleet hub's clusters, bundles and rollouts.

Usage: gitfleet <command> [flags]

Commands:
${list}

${GLOBAL_FLAGS}

Exit codes:
${exitCodeHelp()}
`;
}

export function commandHelp(command: Command): string {
  return `${command.help}\n\n${GLOBAL_FLAGS}\n`;
}

/** The version of the gitfleet package this file belongs to (source or dist/). */
export function cliVersion(): string {
  let dir = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gitfleet' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not here: one level up.
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
