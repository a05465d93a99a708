/** Reported to the hub in Register and Hello. */
export const AGENT_VERSION = '0.1.0';

/** What this agent can do, announced in Hello so that a newer hub can adapt. */
export const AGENT_CAPABILITIES: readonly string[] = ['source.raw-yaml', 'apply.server-side'];
