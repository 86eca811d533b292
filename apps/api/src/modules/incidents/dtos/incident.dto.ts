import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ALERT_STATUSES, SEVERITIES } from '../../alerts/alert.entity';
import { AlertQueryDto } from '../../alerts/dtos/alert.dto';

/** The alert list's status, endpoint and limit filters, and an order. */
export class IncidentQueryDto extends PickType(AlertQueryDto, ['status', 'endpointId', 'limit'] as const) {
  @ApiPropertyOptional({ enum: ['rank', 'time'], default: 'rank', description: 'rank: severity × rarity, highest first; time: newest first' })
  @IsOptional()
  @IsIn(['rank', 'time'])
  sort?: 'rank' | 'time';
}

export class IncidentDto {
  @ApiProperty() id!: string;
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ description: 'ISO 8601' }) firstSeen!: string;
  @ApiProperty({ description: 'ISO 8601' }) lastSeen!: string;
  @ApiProperty({ enum: SEVERITIES, description: 'of its most severe alert' }) severity!: (typeof SEVERITIES)[number];
  @ApiProperty({ description: 'title of its most severe alert' }) title!: string;
  @ApiProperty() alertCount!: number;
  @ApiProperty({ type: [String], description: 'ATT&CK techniques of its alerts' }) techniques!: string[];
  @ApiProperty({ type: [String] }) programs!: string[];
  @ApiProperty({ nullable: true, type: Number, description: 'pid of its first alert' }) rootPid!: number | null;
  @ApiProperty({ nullable: true, type: String }) rootProgram!: string | null;
  @ApiProperty({ enum: ALERT_STATUSES }) status!: (typeof ALERT_STATUSES)[number];
  @ApiProperty({ nullable: true, type: String }) assignee!: string | null;
  @ApiProperty({ description: 'severity × rarity, 0..100 (rarity: share of the fleet that did not raise the same kind for the same program in 30 days)' }) rank!: number;
}

export class IncidentAlertDto {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'ISO 8601' }) time!: string;
  @ApiProperty({ nullable: true, type: String }) lastSeen!: string | null;
  @ApiProperty() program!: string;
  @ApiProperty() pid!: number;
  @ApiProperty({ nullable: true, type: Number }) ppid!: number | null;
  @ApiProperty() kind!: string;
  @ApiProperty({ enum: SEVERITIES }) severity!: (typeof SEVERITIES)[number];
  @ApiProperty() title!: string;
  @ApiProperty({ nullable: true, type: String }) mitre!: string | null;
  @ApiProperty() count!: number;
  @ApiProperty({ enum: ALERT_STATUSES }) status!: (typeof ALERT_STATUSES)[number];
  @ApiProperty({ description: 'endpoints of the fleet that raised the same kind for the same program (30 days)' }) endpointsWithSame!: number;
}

export class IncidentProcessDto {
  @ApiProperty() pid!: number;
  @ApiProperty() ppid!: number;
  @ApiProperty() exe!: string;
  @ApiProperty({ nullable: true, type: [String] }) argv!: string[] | null;
  @ApiProperty() firstSeen!: string;
  @ApiProperty({ nullable: true, type: String }) exitedAt!: string | null;
}

export class IncidentDetailDto extends IncidentDto {
  @ApiProperty({ type: [IncidentAlertDto], description: 'the timeline: its alerts, oldest first' }) alerts!: IncidentAlertDto[];
  @ApiProperty({ type: [IncidentProcessDto], description: 'the process tree: processes of its alerts, their parents and children' }) processes!: IncidentProcessDto[];
}
