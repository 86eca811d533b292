import { TOPICS } from '@vigil/common';
import type { KafkaAcl } from '@vigil/kafka';

/** The analyzer's consumer group (its config's default, `VIGIL_ANALYZER_GROUP_ID`). */
export const ANALYZER_GROUP = 'vigil-stream-analyzer';

/** Apicurio's KafkaSQL topics (`kafkasql-journal`, `kafkasql-snapshots`), its events topic and its per-start consumer groups (`apicurio-<uuid>`). */
const REGISTRY_TOPIC_PREFIX = 'kafkasql-';
const REGISTRY_EVENTS_TOPIC = 'registry-events';
const REGISTRY_GROUP_PREFIX = 'apicurio-';

const CLUSTER = { type: 'cluster', name: 'kafka-cluster' } as const;

/**
 * What each service's Kafka user may do on the local stack (everything else is denied: the
 * StandardAuthorizer with `allow.everyone.if.no.acl.found=false`; `admin` is a super user):
 *
 * - gateway: write telemetry (idempotent producer);
 * - analyzer: read telemetry in its own group, write alerts and dead letters;
 * - registry (Apicurio KafkaSQL): its journal, snapshot and events topics, its own consumer groups.
 *
 * The API does not use Kafka. Cluster DESCRIBE lets the health probes list the brokers.
 */
export function serviceAcls(): KafkaAcl[] {
  return [
    { user: 'gateway', resource: { type: 'topic', name: TOPICS.telemetry }, operations: ['write', 'describe'] },
    { user: 'gateway', resource: CLUSTER, operations: ['idempotent-write', 'describe'] },
    { user: 'analyzer', resource: { type: 'topic', name: TOPICS.telemetry }, operations: ['read', 'describe'] },
    { user: 'analyzer', resource: { type: 'group', name: ANALYZER_GROUP }, operations: ['read', 'describe'] },
    { user: 'analyzer', resource: { type: 'topic', name: TOPICS.alerts }, operations: ['write', 'describe'] },
    { user: 'analyzer', resource: { type: 'topic', name: TOPICS.telemetryDlq }, operations: ['write', 'describe'] },
    { user: 'analyzer', resource: CLUSTER, operations: ['idempotent-write', 'describe'] },
    { user: 'registry', resource: { type: 'topic', name: REGISTRY_TOPIC_PREFIX, prefixed: true }, operations: ['all'] },
    { user: 'registry', resource: { type: 'topic', name: REGISTRY_EVENTS_TOPIC }, operations: ['all'] },
    { user: 'registry', resource: { type: 'group', name: REGISTRY_GROUP_PREFIX, prefixed: true }, operations: ['read', 'describe'] },
    { user: 'registry', resource: CLUSTER, operations: ['idempotent-write', 'describe'] },
  ];
}
