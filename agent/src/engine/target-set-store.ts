import type { TargetSet } from '#proto';

/**
 * Where the agent keeps its last TargetSet. Issue 2 keeps it in memory; issue 4 adds a store
 * in the agent's own cluster so that, after a restart with the hub away, the agent goes on
 * reconciling from it. The engine only ever talks to this interface.
 */
export interface TargetSetStore {
  load(): Promise<TargetSet | undefined>;
  save(targetSet: TargetSet): Promise<void>;
}

export class MemoryTargetSetStore implements TargetSetStore {
  private targetSet: TargetSet | undefined;

  async load(): Promise<TargetSet | undefined> {
    return this.targetSet;
  }

  async save(targetSet: TargetSet): Promise<void> {
    this.targetSet = targetSet;
  }
}
