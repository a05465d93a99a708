export * from './kube-names';
export * from './repo-url';
export * from './artifact/artifact-tar';
export * from './kustomization-references';
export * from './git/git-stream';
export * from './git/cat-file-batch';
export * from './outside-text';
export * from './canonical-json';
