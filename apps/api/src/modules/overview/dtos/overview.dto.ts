import { ApiProperty } from '@nestjs/swagger';
import { BucketedRangeQueryDto } from '../../activity/dtos/activity.dto';
import { AlertDto } from '../../alerts/dtos/alert.dto';

/** `bucket` is the width of alertsBySeverity. */
export class OverviewQueryDto extends BucketedRangeQueryDto {}

export class EndpointCountsDto {
  @ApiProperty({ description: 'enrolled, not revoked' }) total!: number;
  @ApiProperty({ description: 'seen within the last 2 minutes' }) online!: number;
  @ApiProperty() offline!: number;
}

export class SeverityBucketDto {
  @ApiProperty({ description: 'bucket start (ISO 8601)' }) bucket!: string;
  @ApiProperty() info!: number;
  @ApiProperty() low!: number;
  @ApiProperty() medium!: number;
  @ApiProperty() high!: number;
  @ApiProperty() critical!: number;
}

export class OverviewDto {
  @ApiProperty({ description: 'ISO 8601' }) from!: string;
  @ApiProperty({ description: 'ISO 8601' }) to!: string;
  @ApiProperty({ description: 'bucket width of alertsBySeverity', example: '1h' }) bucket!: string;
  @ApiProperty({ type: EndpointCountsDto }) endpoints!: EndpointCountsDto;
  @ApiProperty({ description: 'system calls per second across the fleet over the 5 minutes before `to`' }) eventsPerSecond!: number;
  @ApiProperty({ description: 'events the agents lost in their latest window (ring buffer or kernel maps full, skipped programs, evicted batches)' }) drops!: number;
  @ApiProperty({ description: 'records the agents delivered degraded in their latest window (truncated strings, unreadable arguments): counted, not lost' }) degraded!: number;
  @ApiProperty({ type: [SeverityBucketDto], description: 'alerts raised per bucket and severity, every bucket of the range present' }) alertsBySeverity!: SeverityBucketDto[];
  @ApiProperty({ type: [AlertDto], description: 'the 10 newest alerts of the range' }) newestAlerts!: AlertDto[];
}
