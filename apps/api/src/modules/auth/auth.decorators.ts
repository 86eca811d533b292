import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '../users/user.entity';
import type { SessionContext } from './auth.service';

export const IS_PUBLIC = 'vigil:public';
export const ROLES_KEY = 'vigil:roles';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'vigil_session';
/** Header carrying the CSRF token on state-changing requests. */
export const CSRF_HEADER = 'x-csrf-token';

/** A request after the session guard: `vigil` is set on every non-public route. */
export type VigilRequest = Request & { vigil?: SessionContext; cookies?: Record<string, string | undefined> };

/** Opt a route out of the global session guard (login, health, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Restrict a route to these roles (admin passes every role check). */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/** The caller's session (only on non-public routes). */
export const CurrentSession = createParamDecorator((_data: unknown, ctx: ExecutionContext): SessionContext => {
  const req = ctx.switchToHttp().getRequest<VigilRequest>();
  if (!req.vigil) throw new Error('CurrentSession used on a public route');
  return req.vigil;
});
