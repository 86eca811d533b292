import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { ALERT_STATUSES, SEVERITIES } from '../alert.entity';

/** `a,b` or repeated parameters → array. */
const toList = ({ value }: { value: unknown }): unknown =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);

export class AlertQueryDto {
  @ApiPropertyOptional({ description: 'comma-separated', example: 'open,acknowledged' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @IsIn(ALERT_STATUSES, { each: true })
  status?: (typeof ALERT_STATUSES)[number][];

  @ApiPropertyOptional({ description: 'comma-separated', example: 'high,critical' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @IsIn(SEVERITIES, { each: true })
  severity?: (typeof SEVERITIES)[number][];

  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() endpointId?: string;
  @ApiPropertyOptional({ example: '/usr/bin/curl' }) @IsOptional() @IsString() @MaxLength(4096) program?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(128) kind?: string;
  @ApiPropertyOptional({ description: 'ISO time, inclusive' }) @IsOptional() @IsISO8601() from?: string;
  @ApiPropertyOptional({ description: 'ISO time, exclusive' }) @IsOptional() @IsISO8601() to?: string;
  @ApiPropertyOptional({ description: 'text search in title, program and evidence' }) @IsOptional() @IsString() @MaxLength(200) q?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(1000) cursor?: string;
}

export class AlertDto {
  @ApiProperty() id!: string;
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty() time!: string;
  @ApiProperty() program!: string;
  @ApiProperty() pid!: number;
  @ApiProperty({ type: [String], description: 'exe of parent, grandparent, … up to init' }) ancestry!: string[];
  @ApiProperty() kind!: string;
  @ApiProperty() detector!: string;
  @ApiProperty({ enum: SEVERITIES }) severity!: string;
  @ApiProperty() score!: number;
  @ApiProperty() title!: string;
  @ApiProperty({ nullable: true, type: String }) mitre!: string | null;
  @ApiProperty() evidence!: string;
  @ApiProperty() count!: number;
  @ApiProperty({ enum: ALERT_STATUSES }) status!: string;
  @ApiProperty({ nullable: true, type: String }) assignee!: string | null;
}

export class AlertNoteDto {
  @ApiProperty() time!: string;
  @ApiProperty() author!: string;
  @ApiProperty() text!: string;
}

export class AlertDetailDto extends AlertDto {
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) evidenceData!: unknown;
  @ApiProperty() batchId!: string;
  @ApiProperty({ type: [AlertNoteDto] }) notes!: AlertNoteDto[];
}

export class AlertPageDto {
  @ApiProperty({ type: [AlertDto] }) items!: AlertDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class UpdateAlertDto {
  @ApiPropertyOptional({ enum: ALERT_STATUSES }) @IsOptional() @IsIn(ALERT_STATUSES) status?: (typeof ALERT_STATUSES)[number];

  @ApiPropertyOptional({ nullable: true, type: String, description: 'username, or null to unassign' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(64)
  assignee?: string | null;

  @ApiPropertyOptional({ description: 'a triage note appended to the alert' }) @IsOptional() @IsString() @MaxLength(4000) note?: string;
}

export class BulkUpdateAlertsDto extends UpdateAlertDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsString({ each: true })
  ids!: string[];
}

export class BulkUpdateResultDto {
  @ApiProperty() updated!: number;
}

export class BaselineAcceptanceDto {
  @ApiProperty({ description: 'id of the queued acceptance the analyzer applies' }) acceptanceId!: string;
}
