import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiConfig } from '../../config/api.config';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import { ALLOW_PENDING_KEY, CSRF_HEADER, IS_PUBLIC, sessionToken, type VigilRequest } from './auth.decorators';
import { AuthService } from './auth.service';
import { safeEqual } from './tokens';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global guard, first in line: every route needs a live session unless marked @Public(); every
 * state-changing request with a session must carry the session's CSRF token in `x-csrf-token`.
 * Public state-changing routes (login) only accept JSON bodies, which a cross-site form cannot send.
 * A session with a pending step (password change, TOTP enrolment) reaches only the routes marked
 * @AllowWhilePending().
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly config: ApiConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<VigilRequest>();
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      if (!SAFE_METHODS.has(req.method) && !req.is('application/json')) {
        throw new ApiError(ApiErrorCode.UnsupportedMediaType, 'send the request body as application/json');
      }
      return true;
    }
    const token = sessionToken(req, this.config.cookieSecure || req.secure);
    const session = token ? await this.auth.authenticate(token, req.ip ?? null) : undefined;
    if (!session) throw new ApiError(ApiErrorCode.Unauthenticated, 'log in first (no valid session)');
    // Set before the CSRF check so that a refusal is audited with the session's user.
    req.vigil = session;
    if (!SAFE_METHODS.has(req.method)) {
      const sent = req.header(CSRF_HEADER);
      if (!sent || !safeEqual(sent, session.csrfToken)) {
        throw new ApiError(ApiErrorCode.CsrfFailed, `missing or wrong ${CSRF_HEADER} header (take it from the login answer or GET /api/auth/me)`);
      }
    }
    if (session.pending && !this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_KEY, targets)) {
      if (session.pending === 'password_change') throw new ApiError(ApiErrorCode.PasswordChangeRequired, 'choose a new password first (POST /api/auth/password)');
      throw new ApiError(ApiErrorCode.TotpEnrolmentRequired, 'admins must enrol a second factor first (POST /api/auth/totp/setup, then /api/auth/totp/enable)');
    }
    return true;
  }
}
