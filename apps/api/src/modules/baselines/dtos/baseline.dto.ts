import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { BASELINE_PHASES } from '../baseline.entity';

export class BaselineQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID(undefined, { message: 'endpointId: not a UUID' }) endpointId?: string;
  @ApiPropertyOptional({ description: 'case-insensitive substring of the program path', example: 'nginx' }) @IsOptional() @IsString() @MaxLength(4096) program?: string;
  @ApiPropertyOptional({ enum: BASELINE_PHASES }) @IsOptional() @IsIn(BASELINE_PHASES, { message: 'phase: learning or active' }) phase?: (typeof BASELINE_PHASES)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 5000, default: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit: an integer' })
  @Min(1)
  @Max(5000)
  limit?: number;
}

/** A program on an endpoint and the phase of its baseline. */
export class ProgramLearningDto {
  @ApiProperty({ description: 'endpoint: learned in the endpoint learning period; fleet: started from the fleet; new-program: new to endpoint and fleet after it; update: a new build re-learning from the old one; legacy' }) origin!: string;
  @ApiProperty({ nullable: true, type: String, description: 'ISO 8601' }) from!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'when learning ends (ISO 8601)' }) until!: string | null;
  @ApiProperty({ description: '0..1 at its last window (1 once active)' }) progress!: number;
}

export class EndpointProgramDto {
  @ApiProperty({ description: 'identity of the program (path, or path@sha256 when hashed); URL-encode it in /api/baselines/:endpointId/:programKey', example: '/usr/sbin/nginx' }) programKey!: string;
  @ApiProperty({ description: 'executable path', example: '/usr/sbin/nginx' }) program!: string;
  @ApiProperty({ enum: BASELINE_PHASES, description: 'learning: collecting behaviour, no deviation alerts yet; active: alerting' }) phase!: (typeof BASELINE_PHASES)[number];
  @ApiProperty({ description: 'process runs folded into the baseline' }) runs!: number;
  @ApiProperty({ description: 'ISO 8601' }) firstSeen!: string;
  @ApiProperty({ description: 'ISO 8601' }) lastSeen!: string;
  @ApiProperty({ nullable: true, type: String, description: 'when the baseline became active (ISO 8601), null while learning' }) activeSince!: string | null;
  @ApiProperty({ nullable: true, type: ProgramLearningDto, description: 'how far through its learning the program is' }) learning!: ProgramLearningDto | null;
}

export class BaselineDto extends EndpointProgramDto {
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ description: 'last checkpoint by the analyzer (ISO 8601)' }) updatedAt!: string;
}

export class BaselineDetailDto extends BaselineDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: "the analyzer's summary for people: top syscalls, file patterns, children, peers, recent changes" })
  summary!: Record<string, unknown>;
}
