import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottleRepository } from './login-throttle.repository';
import { RolesGuard } from './roles.guard';
import { SessionEntity } from './session.entity';
import { SessionGuard } from './session.guard';
import { SessionsRepository } from './sessions.repository';

/** Login, sessions, CSRF and roles. The two guards are global and run in this order. */
@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity]), UsersModule, AuditModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    SessionsRepository,
    LoginThrottleRepository,
    { provide: APP_GUARD, useClass: SessionGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [AuthService],
})
export class AuthModule {}
