import { Badge, Tooltip } from '@mantine/core';

/** learning: collecting behaviour, no deviation alerts yet; active: deviations alert. */
export function PhaseBadge({ phase }: { phase: string }) {
  return (
    <Tooltip label={phase === 'active' ? 'deviations from the baseline raise alerts' : 'collecting normal behaviour; no deviation alerts yet'}>
      <Badge color={phase === 'active' ? 'green.9' : 'blue.8'} variant="filled" size="sm" miw={72} style={{ flexShrink: 0 }}>
        {phase}
      </Badge>
    </Tooltip>
  );
}
