import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { camelCased, type ProcessRow as ProcessTableRow } from '@vigil/db';
import type { ProcessEntity } from './process.entity';

/** What the alive-at query selects: every column of `processes` but the endpoint (the filter). */
type ProcessRow = Omit<ProcessTableRow, 'endpoint_id'>;

/** Reads the analyzer's `processes` table. */
@Injectable()
export class ProcessesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Processes of the endpoint alive at `at`: seen to start by then and not exited by then, within the
   * boot that was current at `at` (processes of an earlier boot never exited in our records: the
   * machine went down). At most `limit`, ordered by pid.
   */
  async aliveAt(endpointId: string, at: Date, limit: number): Promise<ProcessEntity[]> {
    const rows = (await this.db.query(
      `with boot as (
         select boot_id from processes where endpoint_id = $1::uuid and first_seen <= $2 order by first_seen desc limit 1
       )
       select p.boot_id, p.pid, p.ppid, p.start_time_ns::text start_time_ns, p.exe, p.comm, p.uid, p.container_id, p.ancestry, p.argv,
              p.first_seen, p.last_seen, p.exited_at, p.exit_code
         from processes p join boot b on b.boot_id = p.boot_id
        where p.endpoint_id = $1::uuid and p.first_seen <= $2 and (p.exited_at is null or p.exited_at > $2)
        order by p.pid, p.start_time_ns limit $3`,
      [endpointId, at, limit],
    )) as ProcessRow[];
    return rows.map(camelCased);
  }
}
