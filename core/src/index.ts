export * from './kube-names';
export * from './repo-url';
