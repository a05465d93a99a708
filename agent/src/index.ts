export { loadAgentConfig, ConfigError, type AgentConfig } from './config';
export { startAgent, type RunningAgent, type AgentExtras } from './agent';
