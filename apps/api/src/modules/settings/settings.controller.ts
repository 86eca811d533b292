import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentSession, RequiresReauth, Roles } from '../auth/auth.decorators';
import type { SessionContext } from '../auth/auth.service';
import { actorOf } from '../auth/session-actor';
import { SettingsDto, UpdateSettingsDto } from './dtos/settings.dto';
import { SettingsService } from './settings.service';

@ApiTags('settings')
@ApiCookieAuth()
@Controller('settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  /** Every user may read them (the UI shows whether acceptance needs approval). */
  @Get()
  @ApiOkResponse({ type: SettingsDto })
  get(): Promise<SettingsDto> {
    return this.settings.get();
  }

  @Patch()
  @Roles('admin')
  @RequiresReauth()
  @ApiOkResponse({ type: SettingsDto })
  update(@Body() body: UpdateSettingsDto, @CurrentSession() s: SessionContext): Promise<SettingsDto> {
    return this.settings.update(body, actorOf(s));
  }
}
