import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** A time range and a bucket width (timelines, the overview's chart): checked further by time-range.ts. */
export class BucketedRangeQueryDto {
  @ApiPropertyOptional({ description: 'ISO 8601 time, inclusive; default `to` minus 24 h', example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from: not an ISO 8601 time' })
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 time, exclusive; default now. At most 31 days after `from`', example: '2026-12-02T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to: not an ISO 8601 time' })
  to?: string;

  @ApiPropertyOptional({ description: 'bucket width: 10s … 1d (e.g. 30s, 5m, 1h, 1d), at most 2000 buckets; default: the smallest of 10s, 30s, 1m, 5m, 15m, 30m, 1h, 3h, 6h, 12h, 1d giving ≤ 200 buckets', example: '5m' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,5}[smhd]$/, { message: 'bucket: a width like 30s, 5m, 1h or 1d' })
  bucket?: string;
}

export class ActivityQueryDto extends BucketedRangeQueryDto {
  @ApiPropertyOptional({ description: 'only this program (executable path); all programs of the endpoint when absent', example: '/usr/bin/curl' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  program?: string;
}

/** One time bucket of a program's (or every program's) activity on an endpoint. Buckets without data are present with zeros. */
export class ActivityBucketDto {
  @ApiProperty({ description: 'bucket start (ISO 8601); buckets are aligned to 2000-01-03T00:00:00Z', example: '2026-12-01T10:05:00.000Z' }) bucket!: string;
  @ApiProperty({ description: 'system calls' }) syscalls!: number;
  @ApiProperty({ description: 'file opens' }) fileOpens!: number;
  @ApiProperty({ description: 'program executions' }) execs!: number;
  @ApiProperty({ description: 'network operations (connect, accept, bind, …)' }) netOps!: number;
  @ApiProperty({ description: 'most processes of the program(s) seen in one batch window of the bucket' }) processes!: number;
  @ApiProperty({ description: 'alerts raised in the bucket' }) alerts!: number;
}

/** A program's timeline around a moment (alert detail). */
export class ActivityWindowDto {
  @ApiProperty({ description: 'ISO 8601, inclusive' }) from!: string;
  @ApiProperty({ description: 'ISO 8601, exclusive' }) to!: string;
  @ApiProperty({ description: 'bucket width, e.g. 5m', example: '5m' }) bucket!: string;
  @ApiProperty({ type: [ActivityBucketDto] }) buckets!: ActivityBucketDto[];
}
