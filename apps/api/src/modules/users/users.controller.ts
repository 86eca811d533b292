import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiCookieAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentSession, Roles } from '../auth/auth.decorators';
import type { SessionContext } from '../auth/auth.service';
import { actorOf } from '../auth/session-actor';
import { CreateUserDto, UserDto } from './dtos/user.dto';
import { type UserView, UsersService } from './users.service';

const toDto = (u: UserView): UserDto => ({ id: u.id, username: u.username, role: u.role, createdAt: u.createdAt.toISOString() });

@ApiTags('users')
@ApiCookieAuth()
@Roles('admin')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: [UserDto] })
  async list(): Promise<UserDto[]> {
    return (await this.users.list()).map(toDto);
  }

  @Post()
  @ApiCreatedResponse({ type: UserDto })
  async create(@Body() body: CreateUserDto, @CurrentSession() s: SessionContext): Promise<UserDto> {
    return toDto(await this.users.create(body, actorOf(s)));
  }
}
