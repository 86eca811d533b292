import { Badge } from '@mantine/core';
import { STATUS_LABELS, type AlertStatus } from '../types/alert';

const COLORS: Record<AlertStatus, string> = { open: 'red.8', acknowledged: 'yellow.9', resolved: 'green.8', false_positive: 'gray.7' };

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={COLORS[status as AlertStatus] ?? 'gray'} variant="outline" size="sm">
      {STATUS_LABELS[status as AlertStatus] ?? status}
    </Badge>
  );
}
