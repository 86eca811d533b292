import { Controller, Get, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/auth.decorators';
import type { ActivityBucket } from './activity.entity';
import { ActivityService } from './activity.service';
import { ActivityBucketDto, ActivityQueryDto } from './dtos/activity.dto';
import { bucketLabel } from './time-range';

export const toBucketDto = (b: ActivityBucket): ActivityBucketDto => ({
  bucket: b.bucket.toISOString(),
  syscalls: b.syscalls,
  fileOpens: b.fileOpens,
  execs: b.execs,
  netOps: b.netOps,
  processes: b.processes,
  alerts: b.alerts,
});

/** Header naming the bucket width used (useful when it was chosen automatically). */
export const BUCKET_HEADER = 'x-vigil-bucket';
/** Header naming the SQL bucketing function used (`time_bucket` on TimescaleDB, `date_bin` otherwise). */
export const BUCKET_FUNCTION_HEADER = 'x-vigil-bucket-function';

@ApiTags('activity')
@ApiCookieAuth()
@Roles('analyst')
@Controller('endpoints')
export class ActivityController {
  constructor(private readonly activity: ActivityService) {}

  @Get(':id/activity')
  @ApiOkResponse({ type: [ActivityBucketDto], description: `time-bucketed activity, oldest first, every bucket of the range present; headers ${BUCKET_HEADER} (width) and ${BUCKET_FUNCTION_HEADER}` })
  async timeline(@Param('id', new ParseUUIDPipe()) id: string, @Query() q: ActivityQueryDto, @Res({ passthrough: true }) res: Response): Promise<ActivityBucketDto[]> {
    const t = await this.activity.timeline(id, q);
    res.setHeader(BUCKET_HEADER, bucketLabel(t.widthMs));
    res.setHeader(BUCKET_FUNCTION_HEADER, t.bucketFunction);
    return t.buckets.map(toBucketDto);
  }
}
