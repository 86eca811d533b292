import { Controller, Get } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { RuleDto } from './dtos/rule.dto';
import { RulesService } from './rules.service';

@ApiTags('rules')
@ApiCookieAuth()
@Roles('analyst')
@Controller('rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  @ApiOkResponse({ type: [RuleDto], description: 'the known-bad rules the stream analyzer loaded, ordered by tactic, technique and id' })
  async list(): Promise<RuleDto[]> {
    return (await this.rules.list()).map((r) => ({ ...r, publishedAt: r.publishedAt.toISOString() }));
  }
}
