import { Button, Group, MultiSelect, Select, TextInput } from '@mantine/core';
import { TIME_RANGES } from '../../../components/time-range';
import { SEVERITIES, STATUS_LABELS, STATUSES, type AlertFilters } from '../types/alert';

export const DEFAULT_FILTERS: AlertFilters = { status: ['open', 'acknowledged'], severity: [], endpointId: null, program: '', kind: '', range: null, q: '' };

interface Props {
  value: AlertFilters;
  onChange: (f: AlertFilters) => void;
  endpoints: { value: string; label: string }[];
}

/** Status, severity, endpoint, program, kind, time window and text. */
export function AlertFiltersBar({ value, onChange, endpoints }: Props) {
  const set = <K extends keyof AlertFilters>(k: K, v: AlertFilters[K]) => onChange({ ...value, [k]: v });
  return (
    <Group align="flex-end" gap="sm" mb="md" wrap="wrap">
      <MultiSelect
        label="Status"
        w={250}
        data={STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
        value={value.status}
        onChange={(v) => set('status', v as AlertFilters['status'])}
        placeholder="any"
        clearable
      />
      <MultiSelect label="Severity" w={230} data={[...SEVERITIES]} value={value.severity} onChange={(v) => set('severity', v as AlertFilters['severity'])} placeholder="any" clearable />
      <Select label="Endpoint" w={170} data={endpoints} value={value.endpointId} onChange={(v) => set('endpointId', v)} placeholder="any" clearable searchable />
      <TextInput label="Program" w={170} value={value.program} onChange={(e) => set('program', e.currentTarget.value)} placeholder="/usr/bin/curl" />
      <TextInput label="Kind" w={150} value={value.kind} onChange={(e) => set('kind', e.currentTarget.value)} placeholder="novel_syscall" />
      <Select
        label="Time"
        w={150}
        data={TIME_RANGES.map((r) => ({ value: r.value, label: r.label }))}
        value={value.range}
        onChange={(v) => set('range', v)}
        placeholder="any time"
        clearable
      />
      <TextInput label="Search" w={180} value={value.q} onChange={(e) => set('q', e.currentTarget.value)} placeholder="title, program, evidence" />
      <Button variant="subtle" onClick={() => onChange(DEFAULT_FILTERS)}>
        Reset
      </Button>
    </Group>
  );
}
