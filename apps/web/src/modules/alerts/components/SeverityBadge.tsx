import { Badge } from '@mantine/core';
import type { Severity } from '../types/alert';

export const SEVERITY_COLORS: Record<Severity, string> = {
  critical: 'red.9',
  high: 'orange.8',
  medium: 'yellow.6',
  low: 'blue.8',
  info: 'gray.7',
};

export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <Badge color={SEVERITY_COLORS[severity as Severity] ?? 'gray'} variant="filled" size="sm" miw={70}>
      {severity}
    </Badge>
  );
}
