/** Settings of the rollout module, read from the environment when it starts; defaults are safe. */
export interface RolloutSettings {
  /** ROLLOUT_TICK_INTERVAL (seconds): the backstop timer; rollouts also advance as reports arrive. */
  tickIntervalMs: number;
}

export const ROLLOUT_SETTINGS = Symbol('ROLLOUT_SETTINGS');

export function loadRolloutSettings(env: NodeJS.ProcessEnv): RolloutSettings {
  const text = env.ROLLOUT_TICK_INTERVAL?.trim();
  if (text === undefined || text === '') return { tickIntervalMs: 10_000 };
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) {
    throw new Error(`ROLLOUT_TICK_INTERVAL must be a positive number of seconds, got "${text.slice(0, 20)}"`);
  }
  return { tickIntervalMs: Math.round(Number(text) * 1000) };
}
