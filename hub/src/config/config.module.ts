import { DynamicModule, Global, Module } from '@nestjs/common';
import { HubConfig } from './hub-config';

/** Injection token of the validated HubConfig. */
export const HUB_CONFIG = Symbol('HubConfig');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HubConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: HUB_CONFIG, useValue: config }], exports: [HUB_CONFIG] };
  }
}
