import { Button, Group, Paper, Text } from '@mantine/core';
import type { TriageChange } from '../types/alert';

interface Props {
  count: number;
  busy: boolean;
  me: string;
  onApply: (change: TriageChange) => void;
  onClear: () => void;
}

/** Actions on every selected alert at once. */
export function BulkTriageBar({ count, busy, me, onApply, onClear }: Props) {
  return (
    <Paper withBorder p="xs" mb="sm" aria-label="Bulk triage">
      <Group gap="xs">
        <Text size="sm" fw={500} mr="sm">
          {count} selected
        </Text>
        <Button size="xs" disabled={count === 0} loading={busy} onClick={() => onApply({ status: 'acknowledged' })}>
          Acknowledge
        </Button>
        <Button size="xs" color="green.8" disabled={count === 0} loading={busy} onClick={() => onApply({ status: 'resolved' })}>
          Resolve
        </Button>
        <Button size="xs" color="gray.7" disabled={count === 0} loading={busy} onClick={() => onApply({ status: 'false_positive' })}>
          False positive
        </Button>
        <Button size="xs" variant="default" disabled={count === 0} loading={busy} onClick={() => onApply({ assignee: me })}>
          Assign to me
        </Button>
        <Button size="xs" variant="subtle" disabled={count === 0} onClick={onClear}>
          Clear selection
        </Button>
      </Group>
    </Paper>
  );
}
