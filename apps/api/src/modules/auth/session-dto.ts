import type { SessionDto } from './dtos/user-lifecycle.dto';
import type { SessionSummary } from './sessions.repository';

/** A session as the API lists it (never its token or hash). */
export const toSessionDto = (x: SessionSummary): SessionDto => ({
  id: x.id,
  createdAt: x.createdAt.toISOString(),
  lastSeenAt: x.lastSeenAt.toISOString(),
  expiresAt: x.expiresAt.toISOString(),
  sourceAddress: x.sourceAddress,
  userAgent: x.userAgent,
});
