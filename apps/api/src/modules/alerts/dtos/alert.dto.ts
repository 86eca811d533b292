import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { ActivityWindowDto } from '../../activity/dtos/activity.dto';
import { HISTORY_TYPES } from '../alert-history';
import { ALERT_STATUSES, SEVERITIES } from '../alert.entity';

/** `a,b` or repeated parameters → array. */
const toList = ({ value }: { value: unknown }): unknown =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);

export class AlertQueryDto {
  @ApiPropertyOptional({ enum: ALERT_STATUSES, isArray: true, description: 'repeated or comma-separated', example: ['open', 'acknowledged'] })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @IsIn(ALERT_STATUSES, { each: true })
  status?: (typeof ALERT_STATUSES)[number][];

  @ApiPropertyOptional({ enum: SEVERITIES, isArray: true, description: 'repeated or comma-separated', example: ['high', 'critical'] })
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
  @ApiProperty({ description: 'event time of the batch that raised it (ISO 8601)' }) time!: string;
  @ApiProperty({ description: 'executable path', example: '/usr/bin/curl' }) program!: string;
  @ApiProperty({ description: 'program identity (path, or path@sha256); key of /api/baselines/:endpointId/:programKey' }) programKey!: string;
  @ApiProperty({ nullable: true, type: String, description: 'sha256 of the executable when known' }) exeHash!: string | null;
  @ApiProperty() pid!: number;
  @ApiProperty({ nullable: true, type: Number }) ppid!: number | null;
  @ApiProperty({ nullable: true, type: Number }) uid!: number | null;
  @ApiProperty({ nullable: true, type: String }) comm!: string | null;
  @ApiProperty({ type: [String], description: 'exe of parent, grandparent, … up to init' }) ancestry!: string[];
  @ApiProperty({ example: 'novel_syscall' }) kind!: string;
  @ApiProperty() detector!: string;
  @ApiProperty({ enum: SEVERITIES }) severity!: (typeof SEVERITIES)[number];
  @ApiProperty() score!: number;
  @ApiProperty() title!: string;
  @ApiProperty({ nullable: true, type: String, description: 'ATT&CK technique, e.g. T1003.008' }) mitre!: string | null;
  @ApiProperty({ description: 'the evidence in plain words' }) evidence!: string;
  @ApiProperty({ description: 'findings grouped into this alert' }) count!: number;
  @ApiProperty({ nullable: true, type: String, description: 'last finding grouped into it (ISO 8601)' }) lastSeen!: string | null;
  @ApiProperty({ enum: ALERT_STATUSES }) status!: (typeof ALERT_STATUSES)[number];
  @ApiProperty({ nullable: true, type: String }) assignee!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the incident it belongs to (GET /api/incidents/:id)' }) incidentId!: string | null;
}

export class AlertNoteDto {
  @ApiProperty() time!: string;
  @ApiProperty() author!: string;
  @ApiProperty() text!: string;
}

export class AlertHistoryEventDto {
  @ApiProperty({ description: 'ISO 8601' }) time!: string;
  @ApiProperty({ enum: HISTORY_TYPES, description: 'raised (first batch), occurrence (a later batch grouped into it), status_change, assignment, note, baseline_accept' }) type!: (typeof HISTORY_TYPES)[number];
  @ApiProperty({ nullable: true, type: String, description: 'username; null for the analyzer' }) actor!: string | null;
  @ApiProperty({ description: 'one line for people' }) summary!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

export class AlertDetailDto extends AlertDto {
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'the data behind the evidence' }) evidenceData!: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'what "accept into baseline" teaches the analyzer' }) acceptance!: Record<string, unknown> | null;
  @ApiProperty({ description: 'what repeats of the same deviation share' }) groupKey!: string;
  @ApiProperty() batchId!: string;
  @ApiProperty({ type: [AlertNoteDto] }) notes!: AlertNoteDto[];
  @ApiProperty({ type: [AlertHistoryEventDto], description: 'occurrences and triage events, oldest first' }) history!: AlertHistoryEventDto[];
  @ApiProperty({ type: ActivityWindowDto, description: "the program's activity on the endpoint from 1 h before to 1 h after the alert" }) activity!: ActivityWindowDto;
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
  @ApiProperty({ type: String, nullable: true, description: 'id of the queued acceptance the analyzer applies (the first one for scope=fleet; null while it awaits approval)' }) acceptanceId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'four-eyes acceptance: the request an admin approves or rejects' }) requestId!: string | null;
  @ApiProperty({ enum: ['queued', 'pending_approval'] }) status!: 'queued' | 'pending_approval';
  @ApiProperty({ description: 'endpoints the acceptance was queued for (0 while it awaits approval)' }) endpoints!: number;
}

export class AcceptBaselineQueryDto {
  @ApiPropertyOptional({ enum: ['endpoint', 'fleet'], default: 'endpoint', description: "fleet: accept into the baseline of every endpoint running the alert's program, in one step" })
  @IsOptional()
  @IsIn(['endpoint', 'fleet'])
  scope?: 'endpoint' | 'fleet';
}
