import { Badge } from '@mantine/core';
import type { Health } from '../types/endpoint';

const COLORS: Record<Health, string> = { online: 'green.8', dropping: 'orange.8', offline: 'red.8', 'never seen': 'gray.7', revoked: 'dark.4' };

export function HealthBadge({ health }: { health: Health }) {
  return (
    <Badge color={COLORS[health]} variant="light" size="sm">
      {health === 'dropping' ? 'online, dropping events' : health}
    </Badge>
  );
}
