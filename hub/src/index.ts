export { loadHubConfig, type HubConfig } from './config/hub-config';
export { launchHub, startHub, type RunningHub } from './hub';
