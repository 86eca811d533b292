import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '../users/user.entity';
import type { SessionContext } from './auth.service';

export const IS_PUBLIC = 'vigil:public';
export const ROLES_KEY = 'vigil:roles';
export const REAUTH_KEY = 'vigil:reauth';
export const ALLOW_PENDING_KEY = 'vigil:allow-pending';

/** Name of the session cookie over plain http (local use). */
export const SESSION_COOKIE = 'vigil_session';
/** Over TLS: `__Host-` makes the browser refuse it unless Secure, host-only and Path=/ (no subdomain can plant one). */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
/** Header carrying the CSRF token on state-changing requests. */
export const CSRF_HEADER = 'x-csrf-token';

/** A request after the session guard: `vigil` is set on every non-public route. */
export type VigilRequest = Request & { vigil?: SessionContext; cookies?: Record<string, string | undefined> };

/** The session cookie's name for this request: `__Host-` prefixed whenever the cookie is Secure. */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** The session token a request carries (the cookie name depends on whether the request came over TLS). */
export function sessionToken(req: VigilRequest, secure: boolean): string | undefined {
  return req.cookies?.[sessionCookieName(secure)];
}

/** Opt a route out of the global session guard (login, health). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Restrict a route to these roles (admin passes every role check). */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/** Admin actions: the session must have entered its password (or TOTP) within the re-auth window. */
export const RequiresReauth = (): MethodDecorator & ClassDecorator => SetMetadata(REAUTH_KEY, true);

/** Reachable while the session still has to change its password or enrol TOTP (me, logout, those routes). */
export const AllowWhilePending = (): MethodDecorator & ClassDecorator => SetMetadata(ALLOW_PENDING_KEY, true);

/** The caller's session (only on non-public routes). */
export const CurrentSession = createParamDecorator((_data: unknown, ctx: ExecutionContext): SessionContext => {
  const req = ctx.switchToHttp().getRequest<VigilRequest>();
  if (!req.vigil) throw new Error('CurrentSession used on a public route');
  return req.vigil;
});
