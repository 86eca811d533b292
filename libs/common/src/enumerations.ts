// The product's enumerations, defined once. The API's DTOs use them (so the OpenAPI document and the
// web client generated from it carry them), and the database's CHECK constraints are tested against
// them (apps/api/test/integration/enumerations.integration-spec.ts).

/** Triage states of an alert, and of an incident. */
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'false_positive'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Severities of alerts and incidents, least severe first (`info`: context, never raised by a rule). */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Severities a detection rule may declare (every severity but `info`). */
export const RULE_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly Severity[];
export type RuleSeverity = (typeof RULE_SEVERITIES)[number];

/** Roles of API users: `admin` manages users, endpoints and keys; `analyst` reads and triages. */
export const USER_ROLES = ['admin', 'analyst'] as const;
export type UserRole = (typeof USER_ROLES)[number];
