import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}

export class MeDto {
  @ApiProperty() userId!: string;
  @ApiProperty() username!: string;
  @ApiProperty({ enum: ['admin', 'analyst'] }) role!: string;
  @ApiProperty({ description: 'send as x-csrf-token on every state-changing request' }) csrfToken!: string;
}

export class LoginResultDto extends MeDto {
  @ApiProperty({ description: 'absolute expiry of the session (it also ends after inactivity)' }) expiresAt!: string;
}
