import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { ProcessDto, ProcessTreeQueryDto } from './dtos/process.dto';
import type { ProcessEntity } from './process.entity';
import { ProcessesService } from './processes.service';

const toDto = (p: ProcessEntity): ProcessDto => ({
  pid: p.pid,
  ppid: p.ppid,
  exe: p.exe,
  comm: p.comm,
  uid: p.uid,
  startTime: p.firstSeen.toISOString(),
  startTimeNs: p.startTimeNs,
  lastSeen: p.lastSeen.toISOString(),
  exitedAt: p.exitedAt?.toISOString() ?? null,
  exitCode: p.exitCode,
  ancestry: p.ancestry,
  argv: p.argv,
  containerId: p.containerId,
  bootId: p.bootId,
});

@ApiTags('processes')
@ApiCookieAuth()
@Roles('analyst')
@Controller('endpoints')
export class ProcessesController {
  constructor(private readonly processes: ProcessesService) {}

  @Get(':id/process-tree')
  @ApiOkResponse({ type: [ProcessDto], description: 'the processes alive at that moment, ordered by pid (a flat list: build the tree from ppid)' })
  async tree(@Param('id', new ParseUUIDPipe()) id: string, @Query() q: ProcessTreeQueryDto): Promise<ProcessDto[]> {
    return (await this.processes.treeAt(id, q.at)).processes.map(toDto);
  }
}
