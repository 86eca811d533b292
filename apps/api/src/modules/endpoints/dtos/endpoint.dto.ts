import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { ENDPOINT_NAME } from '@vigil/common';
import { EndpointProgramDto } from '../../baselines/dtos/baseline.dto';

export class CreateEndpointDto {
  @ApiProperty({ example: 'web-01', description: '1-128 characters: letters, digits, . _ -' })
  @IsString()
  @Matches(ENDPOINT_NAME, { message: 'name: 1-128 characters from letters, digits and . _ -, starting with a letter or digit' })
  name!: string;
}

export class ListEndpointsQueryDto {
  @ApiPropertyOptional({ default: false, description: 'also list revoked endpoints' })
  @IsOptional()
  @Transform(({ value }) => value === true || value === 'true' || value === '1')
  @IsBoolean()
  includeRevoked?: boolean;
}

export class EndpointLearningDto {
  @ApiProperty({ description: "start of the endpoint's learning period: its first batch (event time, ISO 8601)" }) from!: string;
  @ApiProperty({ description: 'end of the learning period (ISO 8601): after it, programs new to the endpoint and the fleet alert at once' }) until!: string;
  @ApiProperty({ description: 'event time of its latest batch (ISO 8601)' }) lastBatch!: string;
  @ApiProperty({ description: '0..1: how far through its learning period the endpoint is (at its latest batch)' }) progress!: number;
  @ApiProperty({ description: 'still learning (`baseline: never` rules silent)' }) learning!: boolean;
}

export class EndpointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastSeenAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) agentVersion!: string | null;
  @ApiProperty({ nullable: true, type: Number }) eventsPerS!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'events lost in the latest window (ring buffer or kernel maps full, programs the kernel skipped, spooled batches evicted): > 0 means the endpoint is dropping events' })
  drops!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'records of the latest window delivered degraded (a string truncated at its limit, an argument the kernel could not read): counted, not lost' })
  degraded!: number | null;

  @ApiProperty({ nullable: true, type: EndpointLearningDto, description: 'null before its first batch' }) learning!: EndpointLearningDto | null;
}

export class EndpointDetailDto extends EndpointDto {
  @ApiProperty({ description: 'not revoked and seen within the last 2 minutes' }) online!: boolean;
  @ApiProperty({ type: [EndpointProgramDto], description: 'programs seen on the endpoint, with their baseline phase' }) programs!: EndpointProgramDto[];
}

export class EndpointWithKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'the endpoint key (256 random bits, base64url): shown this once, only its hash is stored' }) key!: string;
  @ApiProperty({ description: 'the ready agent config file text (contains the key)' }) config!: string;
}
