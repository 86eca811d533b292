import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { MAX_PASSWORD_LENGTH } from '../password-policy';
import { USER_ROLES, type UserRole } from '@vigil/common';

export class CreateUserDto {
  @ApiProperty({ example: 'alice' }) @IsString() @MaxLength(64) username!: string;
  @ApiProperty({ enum: USER_ROLES }) @IsIn(USER_ROLES) role!: UserRole;
  @ApiProperty({ format: 'password', description: '≥ 12 characters, not a common password' }) @IsString() @MaxLength(MAX_PASSWORD_LENGTH, { message: `password: at most ${MAX_PASSWORD_LENGTH} characters (the password policy's maximum)` }) password!: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() username!: string;
  @ApiProperty({ enum: USER_ROLES }) role!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() disabled!: boolean;
  @ApiProperty({ description: 'must choose a new password at next login' }) mustChangePassword!: boolean;
  @ApiProperty() totpEnabled!: boolean;
}
