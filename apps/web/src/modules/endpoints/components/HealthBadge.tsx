import { Badge } from '@mantine/core';
import type { Health } from '../types/endpoint';

const COLORS: Record<Health, string> = { online: 'green.9', dropping: 'orange.8', offline: 'red.9', 'never seen': 'gray.7', revoked: 'dark.4' };

export function HealthBadge({ health }: { health: Health }) {
  return (
    <Badge color={COLORS[health]} variant="filled" size="sm" style={{ flexShrink: 0 }}>
      {health === 'dropping' ? 'online, dropping events' : health}
    </Badge>
  );
}
