import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import type { Role } from '../users/user.entity';
import { ROLES_KEY, type VigilRequest } from './auth.decorators';

/** Global guard, after the session guard: routes marked @Roles(...) refuse other roles (admin passes all). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [ctx.getHandler(), ctx.getClass()]);
    if (!roles || roles.length === 0) return true;
    const session = ctx.switchToHttp().getRequest<VigilRequest>().vigil;
    if (!session) throw new ApiError(ApiErrorCode.Unauthenticated, 'log in first (no valid session)');
    if (session.role === 'admin' || roles.includes(session.role)) return true;
    throw new ApiError(ApiErrorCode.Forbidden, `this needs the ${roles.join(' or ')} role`);
  }
}
