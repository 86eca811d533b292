import { Badge } from '@mantine/core';
import { STATUS_LABELS, type AlertStatus } from '../types/alert';

const COLORS: Record<AlertStatus, string> = { open: 'red.9', acknowledged: 'yellow.6', resolved: 'green.9', false_positive: 'gray.7' };

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={COLORS[status as AlertStatus] ?? 'gray'} variant="filled" size="sm" miw={70} style={{ flexShrink: 0, overflow: 'visible' }}>
      {STATUS_LABELS[status as AlertStatus] ?? status}
    </Badge>
  );
}
