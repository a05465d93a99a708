import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { bearerCredential } from '../clusters/credential';
import { ApiTokensService } from './api-tokens.service';
import { PUBLIC_KEY, ROLE_KEY, setPrincipal } from './auth.decorators';
import { roleAtLeast, type Role } from './principal';

/** Methods that only read: they need viewer unless a route says otherwise; anything else needs admin by default. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/** Global: every route needs a bearer API token with at least the route's role, unless @Public. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) === true) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const needed =
      this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, targets) ?? (READ_METHODS.has(request.method) ? 'viewer' : 'admin');

    const presented = bearerCredential(request.headers.authorization);
    if (presented === undefined) {
      throw new UnauthorizedException({ code: 'unauthenticated', message: 'send an API token as "Authorization: Bearer <token>"' });
    }
    const result = await this.tokens.authenticate(presented);
    if (!result.ok) throw new UnauthorizedException({ code: 'unauthenticated', message: result.reason });
    // Set before the role check so that the audit trail records refused calls with their principal too.
    setPrincipal(request, result.principal);
    if (!roleAtLeast(result.principal.role, needed)) {
      throw new ForbiddenException({
        code: 'forbidden',
        message: `${request.method} ${request.route?.path ?? request.path} needs the ${needed} role; token "${result.principal.name}" has ${result.principal.role}`,
      });
    }
    return true;
  }
}
