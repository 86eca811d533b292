import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { CookieOptions, Response } from 'express';
import { ApiConfig } from '../../config/api.config';
import { AllowWhilePending, CurrentSession, Public, sessionCookieName, sessionToken, type VigilRequest } from './auth.decorators';
import { AuthService, type SessionContext } from './auth.service';
import { toSessionDto } from './session-dto';
import { OwnSessionDto, RevokedSessionsDto } from './dtos/user-lifecycle.dto';
import {
  ChangePasswordDto,
  ChangePasswordResultDto,
  LoginDto,
  LoginResultDto,
  MeDto,
  ReauthDto,
  ReauthResultDto,
  RecoveryCodesDto,
  TotpCodeDto,
  TotpDisableDto,
  TotpSetupDto,
} from './dtos/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: ApiConfig,
  ) {}

  private secure(req: VigilRequest): boolean {
    return this.config.cookieSecure || req.secure;
  }

  private cookieOptions(req: VigilRequest): CookieOptions {
    return { httpOnly: true, sameSite: 'strict', secure: this.secure(req), path: '/' };
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResultDto, description: 'sets the httpOnly session cookie (`__Host-vigil_session` over TLS)' })
  async login(@Body() body: LoginDto, @Req() req: VigilRequest, @Res({ passthrough: true }) res: Response): Promise<LoginResultDto> {
    const { token, expiresAt, session } = await this.auth.login(
      body,
      { sourceAddress: req.ip ?? null, userAgent: req.header('user-agent') ?? null },
      sessionToken(req, this.secure(req)),
    );
    res.cookie(sessionCookieName(this.secure(req)), token, { ...this.cookieOptions(req), expires: expiresAt });
    return { ...this.toMe(session), expiresAt: expiresAt.toISOString() };
  }

  @Post('logout')
  @HttpCode(204)
  @AllowWhilePending()
  @ApiCookieAuth()
  @ApiNoContentResponse()
  async logout(@CurrentSession() session: SessionContext, @Req() req: VigilRequest, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout(sessionToken(req, this.secure(req))!, session);
    res.clearCookie(sessionCookieName(this.secure(req)), this.cookieOptions(req));
  }

  @Get('me')
  @AllowWhilePending()
  @ApiCookieAuth()
  @ApiOkResponse({ type: MeDto })
  me(@CurrentSession() session: SessionContext): MeDto {
    return this.toMe(session);
  }

  /** Own password; every other session of the user ends. Reachable while a change is required. */
  @Post('password')
  @HttpCode(200)
  @AllowWhilePending()
  @ApiCookieAuth()
  @ApiOkResponse({ type: ChangePasswordResultDto })
  changePassword(@Body() body: ChangePasswordDto, @CurrentSession() session: SessionContext): Promise<ChangePasswordResultDto> {
    return this.auth.changePassword(session, body.currentPassword, body.newPassword);
  }

  /** Enter the password (and code) again: admin actions are allowed for the re-auth window. */
  @Post('reauth')
  @HttpCode(200)
  @ApiCookieAuth()
  @ApiOkResponse({ type: ReauthResultDto })
  async reauth(@Body() body: ReauthDto, @CurrentSession() session: SessionContext): Promise<ReauthResultDto> {
    return { reauthUntil: (await this.auth.reauthenticate(session, body.password, body.totp)).toISOString() };
  }

  @Post('totp/setup')
  @HttpCode(200)
  @AllowWhilePending()
  @ApiCookieAuth()
  @ApiOkResponse({ type: TotpSetupDto, description: 'a new secret, pending until confirmed by POST /api/auth/totp/enable' })
  totpSetup(@CurrentSession() session: SessionContext): Promise<TotpSetupDto> {
    return this.auth.totpSetup(session);
  }

  @Post('totp/enable')
  @HttpCode(200)
  @AllowWhilePending()
  @ApiCookieAuth()
  @ApiOkResponse({ type: RecoveryCodesDto })
  totpEnable(@Body() body: TotpCodeDto, @CurrentSession() session: SessionContext): Promise<RecoveryCodesDto> {
    return this.auth.totpEnable(session, body.code);
  }

  @Delete('totp')
  @HttpCode(204)
  @ApiCookieAuth()
  @ApiNoContentResponse()
  totpDisable(@Body() body: TotpDisableDto, @CurrentSession() session: SessionContext): Promise<void> {
    return this.auth.totpDisable(session, body.password, body.code);
  }

  /** One's own live sessions (where and since when), the current one marked. */
  @Get('sessions')
  @ApiCookieAuth()
  @ApiOkResponse({ type: [OwnSessionDto] })
  async sessions(@CurrentSession() session: SessionContext): Promise<OwnSessionDto[]> {
    return (await this.auth.ownSessions(session)).map((x) => ({ ...toSessionDto(x), current: x.id === session.sessionId }));
  }

  /** End one's other sessions (a forgotten browser elsewhere). */
  @Delete('sessions')
  @HttpCode(200)
  @ApiCookieAuth()
  @ApiOkResponse({ type: RevokedSessionsDto })
  async endOtherSessions(@CurrentSession() session: SessionContext): Promise<RevokedSessionsDto> {
    return { revoked: await this.auth.endOtherSessions(session) };
  }

  private toMe(s: SessionContext): MeDto {
    return {
      userId: s.userId,
      username: s.username,
      role: s.role,
      csrfToken: s.csrfToken,
      totpEnabled: s.totpEnabled,
      pending: s.pending,
      reauthUntil: new Date(s.authenticatedAt.getTime() + this.config.reauthWindowMs).toISOString(),
    };
  }
}
