/**
 * Settings of the clusters module, read from the environment when the module starts (the
 * hub-wide HubConfig belongs to the configuration module; these have safe defaults).
 */
export interface ClusterSettings {
  /** CLUSTER_APPROVAL_REQUIRED=true: a newly registered cluster is `pending` until approved. */
  approvalRequired: boolean;
}

export const CLUSTER_SETTINGS = Symbol('CLUSTER_SETTINGS');

export function defaultClusterSettings(): ClusterSettings {
  return { approvalRequired: false };
}

export function loadClusterSettings(env: NodeJS.ProcessEnv): ClusterSettings {
  const settings = defaultClusterSettings();
  const approval = env.CLUSTER_APPROVAL_REQUIRED?.trim().toLowerCase();
  if (approval !== undefined && approval !== '') {
    if (!['true', 'false', '1', '0'].includes(approval)) {
      throw new Error(`CLUSTER_APPROVAL_REQUIRED must be true or false, got "${approval.slice(0, 20)}"`);
    }
    settings.approvalRequired = approval === 'true' || approval === '1';
  }
  return settings;
}
