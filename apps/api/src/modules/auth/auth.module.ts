import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { SettingsModule } from '../settings/settings.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottleRepository } from './login-throttle.repository';
import { RolesGuard } from './roles.guard';
import { SessionEntity } from './session.entity';
import { SessionGuard } from './session.guard';
import { SessionsRepository } from './sessions.repository';
import { UserLifecycleController } from './user-lifecycle.controller';
import { UserLifecycleService } from './user-lifecycle.service';

/** Login, sessions, CSRF, roles, re-authentication, TOTP and the user lifecycle. The two guards are global and run in this order. */
@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity]), UsersModule, AuditModule, SettingsModule],
  controllers: [AuthController, UserLifecycleController],
  providers: [
    AuthService,
    UserLifecycleService,
    SessionsRepository,
    LoginThrottleRepository,
    { provide: APP_GUARD, useClass: SessionGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [AuthService, UserLifecycleService],
})
export class AuthModule {}
