import type { Actor } from '../audit/audit.service';
import type { SessionContext } from './auth.service';

/** The audit actor of a session's requests. */
export const actorOf = (s: SessionContext): Actor => ({ id: s.userId, username: s.username, sourceAddress: s.sourceAddress, role: s.role });
