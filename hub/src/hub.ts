import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import { JsonErrorsFilter } from './http/json-errors.filter';
import { AppModule } from './app.module';
import { auditTrail } from './audit/audit-trail';
import { AuditService } from './audit/audit.service';
import { resolveHubConfig, type HubConfig } from './config/hub-config';
import type { DatabaseConnection } from './database/data-source-options';
import { waitForDatabase } from './database/database-wait';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { GrpcServer } from './gateway/grpc-server';
import { bodyParsing } from './http/http-body';
import { createLogger } from './logging/logger';
import { NestPinoLogger } from './logging/nest-logger';
import { OutsideTextPipe } from './http/outside-text.pipe';

export interface RunningHub {
  readonly httpUrl: string;
  /** host:port of the gRPC server agents connect to. */
  readonly grpcAddress: string;
  /** Drains agent sessions, closes HTTP, then the database. */
  stop(): Promise<void>;
}

/** Pool size against a real PostgreSQL server. */
const SERVER_POOL_SIZE = 10;

/** Starts a hub: database (embedded unless a URL is given) and migrations, fleet sync, gRPC, HTTP. */
export async function startHub(options: Partial<HubConfig> & Pick<HubConfig, 'fleetRepoUrl' | 'bootstrapToken'>): Promise<RunningHub> {
  return (await launchHub(options)).hub;
}

/** startHub, also handing out the Nest application so that tests can reach its services. */
export async function launchHub(
  options: Partial<HubConfig> & Pick<HubConfig, 'fleetRepoUrl' | 'bootstrapToken'>,
  logDestination?: DestinationStream,
): Promise<{ hub: RunningHub; app: INestApplicationContext }> {
  const config = resolveHubConfig(options);
  const logger = createLogger(config.logLevel, logDestination);
  if (config.databaseUrl !== undefined) await waitForDatabase(config.databaseUrl, config.databaseConnectTimeoutMs, logger);
  const embedded = config.databaseUrl === undefined ? await EmbeddedPostgres.start(join(config.dataDir, 'pg')) : undefined;
  const database: DatabaseConnection = embedded?.connection ?? { url: config.databaseUrl!, poolSize: SERVER_POOL_SIZE };

  let app: NestExpressApplication | undefined;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, database, logger), {
      logger: new NestPinoLogger(logger),
      abortOnError: false,
      bodyParser: false, // ours: per-path limits, raw bytes kept for webhook signatures
    });
    app.disable('x-powered-by');
    for (const { path, handler } of bodyParsing(() => config.webhookSecret)) {
      if (path === undefined) app.use(handler);
      else app.use(path, handler);
    }
    app.use(auditTrail(app.get(AuditService)));
    app.useGlobalFilters(new JsonErrorsFilter(logger));
    app.useGlobalPipes(new OutsideTextPipe());
    await app.listen(config.httpPort, config.httpHost).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
      const why = error.code === 'EADDRINUSE' ? 'the address is in use (another hub running?)' : 'permission denied';
      throw new Error(`HTTP_PORT: cannot listen on ${config.httpHost}:${config.httpPort}: ${why}`);
    });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }

  const { port } = app.getHttpServer().address() as AddressInfo;
  const host = config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost;
  const httpUrl = `http://${host}:${port}`;
  const grpcAddress = app.get(GrpcServer).address!;
  logger.info({ httpUrl, grpcAddress, embeddedDatabase: embedded !== undefined }, 'hub started');

  let stopping: Promise<void> | undefined;
  const running = app;
  const hub: RunningHub = {
    httpUrl,
    grpcAddress,
    stop() {
      stopping ??= (async () => {
        await running.close();
        await embedded?.stop();
        logger.info('hub stopped');
      })();
      return stopping;
    },
  };
  return { hub, app };
}
