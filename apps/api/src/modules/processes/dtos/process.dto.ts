import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

export class ProcessTreeQueryDto {
  @ApiPropertyOptional({ description: 'ISO 8601 moment; default now', example: '2026-12-01T10:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'at: not an ISO 8601 time' })
  at?: string;
}

/** A process alive at the requested moment; `ppid` links it to its parent in the same list. */
export class ProcessDto {
  @ApiProperty() pid!: number;
  @ApiProperty() ppid!: number;
  @ApiProperty({ example: '/usr/bin/bash' }) exe!: string;
  @ApiProperty({ example: 'bash' }) comm!: string;
  @ApiProperty() uid!: number;
  @ApiProperty({ description: 'first seen (ISO 8601)' }) startTime!: string;
  @ApiProperty({ description: 'kernel start time, ns since boot (decimal text: may exceed 2^53)', example: '123456789000' }) startTimeNs!: string;
  @ApiProperty({ description: 'last seen (ISO 8601)' }) lastSeen!: string;
  @ApiProperty({ nullable: true, type: String, description: 'ISO 8601, null while running' }) exitedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) exitCode!: number | null;
  @ApiProperty({ type: [String], description: 'exe of parent, grandparent, … up to init' }) ancestry!: string[];
  @ApiProperty({ nullable: true, type: [String] }) argv!: string[] | null;
  @ApiProperty({ nullable: true, type: String }) containerId!: string | null;
  @ApiProperty() bootId!: string;
}
