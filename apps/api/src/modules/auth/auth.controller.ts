import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { CookieOptions, Response } from 'express';
import { ApiConfig } from '../../config/api.config';
import { CurrentSession, Public, SESSION_COOKIE, type VigilRequest } from './auth.decorators';
import { AuthService, type SessionContext } from './auth.service';
import { LoginDto, LoginResultDto, MeDto } from './dtos/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: ApiConfig,
  ) {}

  private cookieOptions(req: VigilRequest): CookieOptions {
    return { httpOnly: true, sameSite: 'strict', secure: this.config.cookieSecure || req.secure, path: '/' };
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResultDto, description: 'sets the httpOnly session cookie' })
  async login(@Body() body: LoginDto, @Req() req: VigilRequest, @Res({ passthrough: true }) res: Response): Promise<LoginResultDto> {
    const previous = req.cookies?.[SESSION_COOKIE];
    const { token, expiresAt, session } = await this.auth.login(
      body.username,
      body.password,
      { sourceAddress: req.ip ?? null, userAgent: req.header('user-agent') ?? null },
      previous,
    );
    res.cookie(SESSION_COOKIE, token, { ...this.cookieOptions(req), expires: expiresAt });
    return { ...toMe(session), expiresAt: expiresAt.toISOString() };
  }

  @Post('logout')
  @HttpCode(204)
  @ApiCookieAuth()
  @ApiNoContentResponse()
  async logout(@CurrentSession() session: SessionContext, @Req() req: VigilRequest, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout(req.cookies![SESSION_COOKIE]!, session);
    res.clearCookie(SESSION_COOKIE, this.cookieOptions(req));
  }

  @Get('me')
  @ApiCookieAuth()
  @ApiOkResponse({ type: MeDto })
  me(@CurrentSession() session: SessionContext): MeDto {
    return toMe(session);
  }
}

function toMe(s: SessionContext): MeDto {
  return { userId: s.userId, username: s.username, role: s.role, csrfToken: s.csrfToken };
}
