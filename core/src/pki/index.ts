export { positiveInteger } from './der';
export * from './certificates';
export * from './certification-request';
export * from './client-certificate';
