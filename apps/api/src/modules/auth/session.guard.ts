import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import { CSRF_HEADER, IS_PUBLIC, SESSION_COOKIE, type VigilRequest } from './auth.decorators';
import { AuthService } from './auth.service';
import { safeEqual } from './tokens';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global guard, first in line: every route needs a live session unless marked @Public(); every
 * state-changing request with a session must carry the session's CSRF token in `x-csrf-token`.
 * Public state-changing routes (login) only accept JSON bodies, which a cross-site form cannot send.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<VigilRequest>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()]);
    if (isPublic) {
      if (!SAFE_METHODS.has(req.method) && !req.is('application/json')) {
        throw new ApiError(ApiErrorCode.UnsupportedMediaType, 'send the request body as application/json');
      }
      return true;
    }
    const token = req.cookies?.[SESSION_COOKIE];
    const session = token ? await this.auth.authenticate(token, req.ip ?? null) : undefined;
    if (!session) throw new ApiError(ApiErrorCode.Unauthenticated, 'log in first (no valid session)');
    if (!SAFE_METHODS.has(req.method)) {
      const sent = req.header(CSRF_HEADER);
      if (!sent || !safeEqual(sent, session.csrfToken)) {
        throw new ApiError(ApiErrorCode.CsrfFailed, `missing or wrong ${CSRF_HEADER} header (take it from the login answer or GET /api/auth/me)`);
      }
    }
    req.vigil = session;
    return true;
  }
}
