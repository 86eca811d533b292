import { Controller, Get, Header } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import { Public } from '../auth/auth.decorators';
import { HealthRepository } from './health.repository';
import { MetricsService } from './metrics.service';

export class HealthDto {
  @ApiProperty({ example: 'ok' }) status!: string;
}

@ApiTags('ops')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthRepository,
    private readonly metrics: MetricsService,
  ) {}

  @Public()
  @Get('healthz')
  @ApiOkResponse({ type: HealthDto })
  async healthz(): Promise<HealthDto> {
    try {
      await this.health.ping();
    } catch (err) {
      throw new ApiError(ApiErrorCode.Unavailable, 'database unreachable', { retriable: true, cause: err });
    }
    return { status: 'ok' };
  }

  /** Needs a session (it reveals traffic and routes); VIGIL_API_OPS_PORT serves it without one on loopback. */
  @Get('metrics')
  @ApiCookieAuth()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
