import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiConfig } from '../../config/api.config';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import type { Role } from '../users/user.entity';
import { REAUTH_KEY, ROLES_KEY, type VigilRequest } from './auth.decorators';

/**
 * Global guard, after the session guard: routes marked @Roles(...) refuse other roles (admin passes
 * all); routes marked @RequiresReauth() refuse a session whose password was last entered longer ago
 * than the re-auth window.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: ApiConfig,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const reauth = this.reflector.getAllAndOverride<boolean | undefined>(REAUTH_KEY, targets);
    if ((!roles || roles.length === 0) && !reauth) return true;
    const session = ctx.switchToHttp().getRequest<VigilRequest>().vigil;
    if (!session) throw new ApiError(ApiErrorCode.Unauthenticated, 'log in first (no valid session)');
    if (roles && roles.length > 0 && session.role !== 'admin' && !roles.includes(session.role)) {
      throw new ApiError(ApiErrorCode.Forbidden, `this needs the ${roles.join(' or ')} role`);
    }
    if (reauth && Date.now() - session.authenticatedAt.getTime() > this.config.reauthWindowMs) {
      throw new ApiError(ApiErrorCode.ReauthRequired, 'enter your password again for this (POST /api/auth/reauth)');
    }
    return true;
  }
}
