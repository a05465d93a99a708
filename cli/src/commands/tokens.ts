import type { BootstrapToken } from '../api';
import { UsageError, positionals, stringOption, type Command, type CommandContext, type CommandInput } from '../command';
import { parseDuration } from '../duration';
import { EXIT } from '../exit-codes';
import { segment } from '../hub-client';
import { age } from '../render/cells';
import { stateStyle } from '../render/colour';
import { renderTable } from '../render/table';

export const tokensCommand: Command = {
  name: 'tokens',
  summary: 'Bootstrap tokens agents register with: list, create, revoke',
  help: `Usage: gitfleet tokens list [-o table|json]
       gitfleet tokens create [--ttl 24h] [--max-uses 5] [--description text]
       gitfleet tokens revoke <id>

create prints the new token once, alone on stdout (details go to stderr), so that
  TOKEN=$(gitfleet tokens create --ttl 1h --max-uses 1)
captures just the token. The hub keeps only its hash: it cannot be shown again.`,
  options: { ttl: { type: 'string' }, 'max-uses': { type: 'string' }, description: { type: 'string' } },
  async run(ctx, input) {
    const [verb] = input.args;
    if (verb === 'list' || verb === undefined) return list(ctx, input);
    if (verb === 'create') return create(ctx, input);
    if (verb === 'revoke') return revoke(ctx, input);
    throw new UsageError(`unknown tokens command "${verb}" (list, create, revoke)`, 'tokens');
  },
};

async function list(ctx: CommandContext, { args }: CommandInput): Promise<number> {
  positionals('tokens', args.slice(1), []);
  const tokens = await ctx.hub.list<BootstrapToken>('/api/v1/tokens');
  if (ctx.output === 'json') {
    ctx.json({ items: tokens });
    return EXIT.ok;
  }
  const now = ctx.now();
  ctx.out(
    tokens.length === 0
      ? 'No bootstrap tokens (besides BOOTSTRAP_TOKEN).\n'
      : renderTable<BootstrapToken>(
          [
            { header: 'id', cell: (t) => t.id },
            { header: 'state', cell: (t) => ctx.paint(stateStyle(t.state), t.state) },
            { header: 'uses', cell: (t) => `${t.uses}/${t.maxUses ?? '∞'}`, align: 'right' },
            { header: 'expires', cell: (t) => t.expiresAt ?? 'never' },
            { header: 'age', cell: (t) => age(t.createdAt, now) },
            { header: 'description', cell: (t) => t.description || '-' },
          ],
          tokens,
        ),
  );
  return EXIT.ok;
}

async function create(ctx: CommandContext, { args, values }: CommandInput): Promise<number> {
  positionals('tokens', args.slice(1), []);
  const body: { description?: string; ttlSeconds?: number; maxUses?: number } = {};
  const ttl = stringOption(values, 'ttl');
  if (ttl !== undefined) {
    const ms = parseDuration(ttl);
    if (ms === undefined || ms < 1000) throw new UsageError(`--ttl must be a duration such as 1h or 7d, got "${ttl}"`, 'tokens');
    body.ttlSeconds = Math.round(ms / 1000);
  }
  const maxUses = stringOption(values, 'max-uses');
  if (maxUses !== undefined) {
    if (!/^[1-9]\d*$/.test(maxUses)) throw new UsageError(`--max-uses must be a positive whole number, got "${maxUses}"`, 'tokens');
    body.maxUses = Number(maxUses);
  }
  const description = stringOption(values, 'description');
  if (description !== undefined) body.description = description;

  const created = await ctx.hub.post<{ token: string; item: BootstrapToken }>('/api/v1/tokens', body);
  if (ctx.output === 'json') {
    ctx.json(created);
    return EXIT.ok;
  }
  ctx.out(`${created.token}\n`);
  const { item } = created;
  ctx.note(
    `Bootstrap token ${item.id} created (expires ${item.expiresAt ?? 'never'}, ${item.maxUses === null ? 'unlimited uses' : `${item.maxUses} use${item.maxUses === 1 ? '' : 's'}`}). ` +
      'It is shown only this once.',
  );
  return EXIT.ok;
}

async function revoke(ctx: CommandContext, { args }: CommandInput): Promise<number> {
  const [, id] = positionals('tokens', args, ['revoke', 'id']);
  await ctx.hub.delete(`/api/v1/tokens/${segment(id)}`);
  if (ctx.output === 'json') ctx.json({ id, revoked: true });
  else ctx.out(`Bootstrap token ${id} revoked.\n`);
  return EXIT.ok;
}
