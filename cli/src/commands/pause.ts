import type { Rollout } from '../api';
import { positionals, type Command } from '../command';
import { EXIT } from '../exit-codes';
import { segment } from '../hub-client';
import { stateStyle } from '../render/colour';

/** `pause` and `resume` are one switch on a bundle's rollout; they differ only in direction. */
function rolloutSwitch(verb: 'pause' | 'resume'): Command {
  return {
    name: verb,
    summary: verb === 'pause' ? "Pause a bundle's rollout (no more clusters are admitted)" : "Resume a bundle's paused rollout",
    help:
      verb === 'pause'
        ? `Usage: gitfleet pause <bundle>

Stops admitting clusters to the bundle's rollout; clusters already admitted keep the new
revision. It stays paused across new revisions until \`gitfleet resume <bundle>\`.`
        : `Usage: gitfleet resume <bundle>

Lets a paused rollout admit clusters again, partition by partition.`,
    options: {},
    async run(ctx, { args }) {
      const [bundle] = positionals(verb, args, ['bundle']);
      const rollout = await ctx.hub.post<Rollout>(`/api/v1/rollouts/${segment(bundle)}/${verb}`);
      if (ctx.output === 'json') ctx.json(rollout);
      else
        ctx.out(
          `Rollout of ${bundle} ${verb === 'pause' ? 'paused' : 'resumed'} (now ${ctx.paint(stateStyle(rollout.state), rollout.state)}).\n`,
        );
      return EXIT.ok;
    },
  };
}

export const pauseCommand = rolloutSwitch('pause');
export const resumeCommand = rolloutSwitch('resume');
