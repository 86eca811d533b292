import type { CamelCased, ProcessRow } from '@vigil/db';

/** One process run on an endpoint, as the analyzer keeps it in `processes` (the endpoint is the query's filter). */
export type ProcessEntity = CamelCased<Omit<ProcessRow, 'endpoint_id'>>;
