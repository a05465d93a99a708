import { Controller, Get, HttpCode, HttpException, HttpStatus } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import { GrpcServer } from '../gateway/grpc-server';

const DATABASE_CHECK_TIMEOUT_MS = 2_000;

/** Probes for orchestrators: public, like /metrics. */
@Public()
@Controller()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly grpc: GrpcServer,
  ) {}

  /** The process is up. */
  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The hub can serve: the database answers and the gRPC server is bound. */
  @Get('readyz')
  async readyz(): Promise<{ status: 'ready' }> {
    const problems: string[] = [];
    if (this.grpc.address === undefined) problems.push('gRPC server is not bound');
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), DATABASE_CHECK_TIMEOUT_MS);
    } catch (error) {
      problems.push(`database unreachable: ${(error as Error).message}`);
    }
    if (problems.length > 0) {
      throw new HttpException({ code: 'not_ready', message: problems.join('; ') }, HttpStatus.SERVICE_UNAVAILABLE);
    }
    return { status: 'ready' };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
