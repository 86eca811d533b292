import { AuthAndAudit1763730000000 } from './1763730000000-auth-and-audit';
import { EndpointsIfAbsent1763730060000 } from './1763730060000-endpoints-if-absent';
import { AlertTriage1763733600000 } from './1763733600000-alert-triage';
import { AuditTargetIndex1764612000000 } from './1764612000000-audit-target-index';
import { UserLifecycle1765000000000 } from './1765000000000-user-lifecycle';

/** Every migration, in order (class references, so the list works from src under Vitest and from dist). */
export const MIGRATIONS = [AuthAndAudit1763730000000, EndpointsIfAbsent1763730060000, AlertTriage1763733600000, AuditTargetIndex1764612000000, UserLifecycle1765000000000];
