import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class SettingsDto {
  @ApiProperty({ description: 'admins must enrol a TOTP second factor before doing anything else' }) requireTotpForAdmins!: boolean;
  @ApiProperty({ description: "an analyst's accept-into-baseline becomes a request an admin approves" }) fourEyesBaselineAcceptance!: boolean;
}

export class UpdateSettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() requireTotpForAdmins?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() fourEyesBaselineAcceptance?: boolean;
}
