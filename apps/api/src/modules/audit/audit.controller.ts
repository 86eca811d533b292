import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { AuditService } from './audit.service';
import { AuditPageDto, AuditQueryDto } from './dtos/audit.dto';

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('admin')
  @ApiOkResponse({ type: AuditPageDto })
  async list(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    const limit = query.limit ?? 100;
    const rows = await this.audit.list({ limit, beforeId: query.cursor, action: query.action });
    return {
      items: rows.map((r) => ({
        id: String(r.id),
        time: r.time.toISOString(),
        actorId: r.actorId,
        actor: r.actor,
        action: r.action,
        target: r.target,
        sourceAddress: r.sourceAddress,
        details: r.details,
      })),
      nextCursor: rows.length === limit ? String(rows[rows.length - 1]!.id) : null,
    };
  }
}
