import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { NO_CONTROL_CHARACTERS } from '../../auth/dtos/auth.dto';

export class BaselineRequestDto {
  @ApiProperty() id!: string;
  @ApiProperty() alertId!: string;
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty() program!: string;
  @ApiProperty() requestedBy!: string;
  @ApiProperty() requestedAt!: string;
  @ApiProperty({ enum: ['pending', 'approved', 'rejected'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) decidedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) decidedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'the queued acceptance, once approved' }) acceptanceId!: string | null;
}

export class BaselineRequestQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'approved', 'rejected'] }) @IsOptional() @IsIn(['pending', 'approved', 'rejected']) status?: 'pending' | 'approved' | 'rejected';
  @ApiPropertyOptional({ default: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

export class DecideBaselineRequestDto {
  @ApiPropertyOptional({ description: 'why (kept in the audit log)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'reason: control characters are not allowed' })
  reason?: string;
}
