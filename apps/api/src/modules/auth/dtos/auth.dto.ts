import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { MAX_PASSWORD_LENGTH } from '../../users/password-policy';
import { USER_ROLES } from '@vigil/common';

/** No control characters (C0, DEL, C1) nor line/paragraph separators: such a name could forge a log line. */
export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\u2028\u2029]*$/u;
const TOO_LONG = `password: at most ${MAX_PASSWORD_LENGTH} characters (the password policy's maximum)`;

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'username: control characters are not allowed' })
  username!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_PASSWORD_LENGTH, { message: TOO_LONG })
  password!: string;

  @ApiPropertyOptional({ description: 'the authenticator code (6 digits) or a recovery code, for users with a second factor' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  totp?: string;
}

export class ReauthDto {
  @ApiProperty({ format: 'password' }) @IsString() @MinLength(1) @MaxLength(MAX_PASSWORD_LENGTH, { message: TOO_LONG }) password!: string;
  @ApiPropertyOptional({ description: 'needed when the user has a second factor' }) @IsOptional() @IsString() @MaxLength(32) totp?: string;
}

export class ChangePasswordDto {
  @ApiProperty({ format: 'password' }) @IsString() @MinLength(1) @MaxLength(MAX_PASSWORD_LENGTH, { message: `currentPassword: at most ${MAX_PASSWORD_LENGTH} characters` }) currentPassword!: string;
  @ApiProperty({ format: 'password', description: `12 to ${MAX_PASSWORD_LENGTH} characters, not a common password` })
  @IsString()
  @MaxLength(MAX_PASSWORD_LENGTH, { message: `newPassword: at most ${MAX_PASSWORD_LENGTH} characters (the password policy's maximum)` })
  newPassword!: string;
}

export class ChangePasswordResultDto {
  @ApiProperty({ description: "how many of the user's other sessions were ended" }) otherSessionsEnded!: number;
}

export class TotpCodeDto {
  @ApiProperty({ example: '123456' }) @IsString() @MaxLength(32) code!: string;
}

export class TotpDisableDto {
  @ApiProperty({ format: 'password' }) @IsString() @MinLength(1) @MaxLength(MAX_PASSWORD_LENGTH, { message: TOO_LONG }) password!: string;
  @ApiProperty({ description: 'a current code or a recovery code' }) @IsString() @MaxLength(32) code!: string;
}

export class TotpSetupDto {
  @ApiProperty({ description: 'base32 secret, for typing into an authenticator app' }) secret!: string;
  @ApiProperty({ description: 'otpauth:// URI (show as a QR code)' }) uri!: string;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], description: 'shown once: each works once instead of a code' }) recoveryCodes!: string[];
}

export class ReauthResultDto {
  @ApiProperty({ description: 'admin actions are allowed until then' }) reauthUntil!: string;
}

export class MeDto {
  @ApiProperty() userId!: string;
  @ApiProperty() username!: string;
  @ApiProperty({ enum: USER_ROLES }) role!: string;
  @ApiProperty({ description: 'send as x-csrf-token on every state-changing request' }) csrfToken!: string;
  @ApiProperty() totpEnabled!: boolean;
  @ApiProperty({ enum: ['password_change', 'totp_enrolment'], nullable: true, description: 'what the session must do before anything else' }) pending!: string | null;
  @ApiProperty({ description: 'admin actions (users, keys, settings) are allowed until then without entering the password again' }) reauthUntil!: string;
}

export class LoginResultDto extends MeDto {
  @ApiProperty({ description: 'absolute expiry of the session (it also ends after inactivity)' }) expiresAt!: string;
}
