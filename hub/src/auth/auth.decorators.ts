import { createParamDecorator, SetMetadata, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal, Role } from './principal';

export const ROLE_KEY = 'gitfleet:role';
export const PUBLIC_KEY = 'gitfleet:public';

/** Minimum role of a route (method or controller). Without it: GET and HEAD need viewer, other methods admin. */
export const Roles = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(ROLE_KEY, role);

/** Opts a route (or a whole controller) out of authentication: health, metrics, webhooks, static files. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** The request's authenticated principal; set by the guard before any handler runs. */
export function principalOf(request: Request): Principal | undefined {
  return (request as Request & { principal?: Principal }).principal;
}

export function setPrincipal(request: Request, principal: Principal): void {
  (request as Request & { principal?: Principal }).principal = principal;
}

/** `@CurrentPrincipal() principal: Principal` in a handler of a non-public route. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = principalOf(ctx.switchToHttp().getRequest<Request>());
  if (principal === undefined) throw new UnauthorizedException({ code: 'unauthenticated', message: 'this route needs an API token' });
  return principal;
});
