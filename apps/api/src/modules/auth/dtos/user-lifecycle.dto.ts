import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { USER_ROLES, type UserRole } from '@vigil/common';

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: USER_ROLES }) @IsOptional() @IsIn(USER_ROLES) role?: UserRole;
  @ApiPropertyOptional({ description: 'a disabled user can neither log in nor keep a session' }) @IsOptional() @IsBoolean() disabled?: boolean;
}

export class TemporaryPasswordDto {
  @ApiProperty({ description: 'shown once; the user must choose a new password at next login' }) temporaryPassword!: string;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() lastSeenAt!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ type: String, nullable: true }) sourceAddress!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
}

export class OwnSessionDto extends SessionDto {
  @ApiProperty({ description: 'the session of this request' }) current!: boolean;
}

export class RevokedSessionsDto {
  @ApiProperty() revoked!: number;
}
