import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiCookieAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toUserDto } from '../users/users.controller';
import { UserDto } from '../users/dtos/user.dto';
import { CurrentSession, RequiresReauth, Roles } from './auth.decorators';
import type { SessionContext } from './auth.service';
import { RevokedSessionsDto, SessionDto, TemporaryPasswordDto, UpdateUserDto } from './dtos/user-lifecycle.dto';
import { actorOf } from './session-actor';
import { toSessionDto } from './session-dto';
import { UserLifecycleService } from './user-lifecycle.service';

/** The user lifecycle routes (under /users, next to the users module's list and create): admins only, re-auth for changes. */
@ApiTags('users')
@ApiCookieAuth()
@Roles('admin')
@Controller('users')
export class UserLifecycleController {
  constructor(private readonly lifecycle: UserLifecycleService) {}

  @Patch(':id')
  @RequiresReauth()
  @ApiOkResponse({ type: UserDto, description: "a role change or disabling ends all of the user's sessions" })
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateUserDto, @CurrentSession() s: SessionContext): Promise<UserDto> {
    return toUserDto(await this.lifecycle.update(id, body, actorOf(s)));
  }

  @Post(':id/reset-password')
  @HttpCode(200)
  @RequiresReauth()
  @ApiOkResponse({ type: TemporaryPasswordDto })
  resetPassword(@Param('id', new ParseUUIDPipe()) id: string, @CurrentSession() s: SessionContext): Promise<TemporaryPasswordDto> {
    return this.lifecycle.resetPassword(id, actorOf(s));
  }

  @Delete(':id/totp')
  @HttpCode(204)
  @RequiresReauth()
  @ApiNoContentResponse({ description: 'second factor removed (lost device); the user can enrol again' })
  resetTotp(@Param('id', new ParseUUIDPipe()) id: string, @CurrentSession() s: SessionContext): Promise<void> {
    return this.lifecycle.resetTotp(id, actorOf(s));
  }

  @Get(':id/sessions')
  @ApiOkResponse({ type: [SessionDto] })
  async sessions(@Param('id', new ParseUUIDPipe()) id: string): Promise<SessionDto[]> {
    return (await this.lifecycle.sessionsOf(id)).map(toSessionDto);
  }

  @Delete(':id/sessions')
  @HttpCode(200)
  @RequiresReauth()
  @ApiOkResponse({ type: RevokedSessionsDto })
  async revokeSessions(@Param('id', new ParseUUIDPipe()) id: string, @CurrentSession() s: SessionContext): Promise<RevokedSessionsDto> {
    return { revoked: await this.lifecycle.revokeSessions(id, actorOf(s), s.sessionId) };
  }
}
