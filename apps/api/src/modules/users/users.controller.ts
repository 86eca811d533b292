import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiCookieAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentSession, RequiresReauth, Roles } from '../auth/auth.decorators';
import type { SessionContext } from '../auth/auth.service';
import { actorOf } from '../auth/session-actor';
import { CreateUserDto, UserDto } from './dtos/user.dto';
import { type UserView, UsersService } from './users.service';

export const toUserDto = (u: UserView): UserDto => ({
  id: u.id,
  username: u.username,
  role: u.role,
  createdAt: u.createdAt.toISOString(),
  disabled: u.disabledAt !== null,
  mustChangePassword: u.mustChangePassword,
  totpEnabled: u.totpEnabledAt !== null,
});

@ApiTags('users')
@ApiCookieAuth()
@Roles('admin')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: [UserDto] })
  async list(): Promise<UserDto[]> {
    return (await this.users.list()).map(toUserDto);
  }

  /** The password is the admin's choice, so the user must replace it at first login. */
  @Post()
  @RequiresReauth()
  @ApiCreatedResponse({ type: UserDto, description: 'the user must choose a new password at first login' })
  async create(@Body() body: CreateUserDto, @CurrentSession() s: SessionContext): Promise<UserDto> {
    return toUserDto(await this.users.create({ ...body, mustChangePassword: true }, actorOf(s)));
  }
}
