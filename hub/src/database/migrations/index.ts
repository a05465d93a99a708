import { InitialSchema1732240000000 } from './1732240000000-initial-schema';

/** Every migration, oldest first; TypeORM runs the ones not yet applied at start-up. */
export const MIGRATIONS = [InitialSchema1732240000000];
