/**
 * The hub's REST contract: one zod schema per shape the API accepts or answers. The hub
 * validates requests with them and generates its OpenAPI document from them; the CLI and the
 * tests take their TypeScript types from them (`import type`, so nothing of the hub, zod
 * included, reaches the compiled CLI). Nothing here imports from the rest of the hub.
 */
export * from './common';
export * from './status';
export * from './condition';
export * from './clusters';
export * from './bundles';
export * from './rollouts';
export * from './tokens';
export * from './history';
export * from './audit';
export * from './events';
export * from './fleet';
export * from './commits';
export * from './misc';
