// GENERATED from libs/schemas/avro/alert.v1.avsc by scripts/generate-types.cjs — do not edit.
// Regenerate with `npm run generate -w @vigil/schemas` (the build does it too).

/** Symbols are append-only; readers that do not know a newer one see MEDIUM. — Avro enum dev.vigil.alerts.v1.Severity */
export type Severity = "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";
/** Symbols of Severity, in schema order. */
export const SeveritySymbols = ["LOW","MEDIUM","HIGH","CRITICAL"] as const;

/** One detection raised by the stream analyzer about one program on one endpoint. Topic vigil.alerts.v1, key: endpointId. — Avro record dev.vigil.alerts.v1.Alert */
export interface Alert {
  /** Alert id (stable across re-deliveries: derived from the detection, so consumers can upsert). — UUID string */
  id: string;
  endpointId: string;
  /** When the analyzer raised it. — epoch milliseconds */
  time: number;
  /** Absolute executable path of the process (its program identity). */
  program: string;
  pid: number;
  /** exe of parent, grandparent, … up to init. */
  ancestry: Array<string>;
  /** What fired: anomaly | rule | … (free-form, append-only set of values). */
  kind: string;
  /** Name of the detector or rule that fired (e.g. syscall-ngram-baseline, reverse-shell). */
  detector: string;
  severity: Severity;
  /** Detector score; higher = more anomalous (detector-specific scale). */
  score: number;
  /** One-line human summary. */
  title: string;
  /** MITRE ATT&CK technique id (e.g. T1059.004), when known. — default null */
  mitreTechnique: null | string;
  /** Human-readable explanation of why it fired. */
  evidence: string;
  /** Structured evidence (e.g. unseen syscalls, rare n-grams, remote address), values as text. — default {} */
  evidenceData: Record<string, string>;
  /** The telemetry batch that triggered it (the latest one when aggregated). — UUID string */
  batchId: string;
  /** How many occurrences this alert aggregates (≥ 1). — default 1 */
  count: number;
  /** epoch milliseconds */
  firstSeen: number;
  /** epoch milliseconds */
  lastSeen: number;
}

/** The Avro schema of alert.v1.avsc, verbatim. */
export const AlertV1Schema = {
  "type": "record",
  "name": "Alert",
  "namespace": "dev.vigil.alerts.v1",
  "doc": "One detection raised by the stream analyzer about one program on one endpoint. Topic vigil.alerts.v1, key: endpointId.",
  "fields": [
    {
      "name": "id",
      "type": {
        "type": "string",
        "logicalType": "uuid"
      },
      "doc": "Alert id (stable across re-deliveries: derived from the detection, so consumers can upsert)."
    },
    {
      "name": "endpointId",
      "type": "string"
    },
    {
      "name": "time",
      "type": {
        "type": "long",
        "logicalType": "timestamp-millis"
      },
      "doc": "When the analyzer raised it."
    },
    {
      "name": "program",
      "type": "string",
      "doc": "Absolute executable path of the process (its program identity)."
    },
    {
      "name": "pid",
      "type": "int"
    },
    {
      "name": "ancestry",
      "type": {
        "type": "array",
        "items": "string"
      },
      "doc": "exe of parent, grandparent, … up to init."
    },
    {
      "name": "kind",
      "type": "string",
      "doc": "What fired: anomaly | rule | … (free-form, append-only set of values)."
    },
    {
      "name": "detector",
      "type": "string",
      "doc": "Name of the detector or rule that fired (e.g. syscall-ngram-baseline, reverse-shell)."
    },
    {
      "name": "severity",
      "type": {
        "type": "enum",
        "name": "Severity",
        "symbols": [
          "LOW",
          "MEDIUM",
          "HIGH",
          "CRITICAL"
        ],
        "default": "MEDIUM",
        "doc": "Symbols are append-only; readers that do not know a newer one see MEDIUM."
      }
    },
    {
      "name": "score",
      "type": "double",
      "doc": "Detector score; higher = more anomalous (detector-specific scale)."
    },
    {
      "name": "title",
      "type": "string",
      "doc": "One-line human summary."
    },
    {
      "name": "mitreTechnique",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "MITRE ATT&CK technique id (e.g. T1059.004), when known."
    },
    {
      "name": "evidence",
      "type": "string",
      "doc": "Human-readable explanation of why it fired."
    },
    {
      "name": "evidenceData",
      "type": {
        "type": "map",
        "values": "string"
      },
      "default": {},
      "doc": "Structured evidence (e.g. unseen syscalls, rare n-grams, remote address), values as text."
    },
    {
      "name": "batchId",
      "type": {
        "type": "string",
        "logicalType": "uuid"
      },
      "doc": "The telemetry batch that triggered it (the latest one when aggregated)."
    },
    {
      "name": "count",
      "type": "long",
      "default": 1,
      "doc": "How many occurrences this alert aggregates (≥ 1)."
    },
    {
      "name": "firstSeen",
      "type": {
        "type": "long",
        "logicalType": "timestamp-millis"
      }
    },
    {
      "name": "lastSeen",
      "type": {
        "type": "long",
        "logicalType": "timestamp-millis"
      }
    }
  ]
} as const;

/** Root record of alert.v1.avsc. */
export type AlertV1 = Alert;
