import { InitialSchema1732240000000 } from './1732240000000-initial-schema';
import { IdentityRolloutsHistory1733100000000 } from './1733100000000-identity-rollouts-history';
import { FleetReposGroups1733200000000 } from './1733200000000-fleet-repos-groups';

/** Every migration, oldest first; TypeORM runs the ones not yet applied at start-up. */
export const MIGRATIONS = [InitialSchema1732240000000, IdentityRolloutsHistory1733100000000, FleetReposGroups1733200000000];
