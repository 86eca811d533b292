import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';

export class CreateUserDto {
  @ApiProperty({ example: 'alice' }) @IsString() @MaxLength(64) username!: string;
  @ApiProperty({ enum: ['admin', 'analyst'] }) @IsIn(['admin', 'analyst']) role!: 'admin' | 'analyst';
  @ApiProperty({ format: 'password', description: '≥ 12 characters, not a common password' }) @IsString() @MaxLength(256) password!: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() username!: string;
  @ApiProperty({ enum: ['admin', 'analyst'] }) role!: string;
  @ApiProperty() createdAt!: string;
}
