import { AlertNoteEntity } from '../modules/alerts/alert.entity';
import { AuditEntryEntity } from '../modules/audit/audit-entry.entity';
import { SessionEntity } from '../modules/auth/session.entity';
import { EndpointEntity } from '../modules/endpoints/endpoint.entity';
import { UserEntity } from '../modules/users/user.entity';

/** Every TypeORM entity of the API. */
export const ENTITIES = [UserEntity, SessionEntity, AuditEntryEntity, EndpointEntity, AlertNoteEntity];
