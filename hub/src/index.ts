export { loadHubConfig, type HubConfig } from './config/hub-config';
export { startHub, type RunningHub } from './hub';
