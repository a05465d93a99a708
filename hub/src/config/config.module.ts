import { randomUUID } from 'node:crypto';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { HubConfig } from './hub-config';

/** Injection token of the validated HubConfig. */
export const HUB_CONFIG = Symbol('HubConfig');

/**
 * Injection token of this hub replica's id: new for every start, so that what a replica
 * that died had recorded (which sessions it held) is never mistaken for another's.
 */
export const REPLICA_ID = Symbol('ReplicaId');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        { provide: REPLICA_ID, useValue: randomUUID() },
      ],
      exports: [HUB_CONFIG, REPLICA_ID],
    };
  }
}
