import { Group, Progress, Text, Tooltip } from '@mantine/core';
import { formatTime } from '../../../components/format';

/** Why a program learns, in words (origin from the analyzer's summary). */
const ORIGIN: Record<string, string> = {
  endpoint: "the endpoint's learning period",
  fleet: 'started from the fleet',
  'new-program': 'new to this endpoint and the fleet',
  update: 'a new build, re-learning from the old one',
  legacy: 'its own learning window',
};

/**
 * How far an endpoint or a program is through its learning: a bar and a percentage, with when it
 * ends; "learned" once it is through.
 */
export function LearningProgress({ learning, label }: { learning: { progress: number; until: string | null; origin?: string } | null; label?: string }) {
  if (!learning) return <Text size="sm" c="dimmed">—</Text>;
  const pct = Math.round(learning.progress * 100);
  const why = learning.origin ? ` (${ORIGIN[learning.origin] ?? learning.origin})` : '';
  const done = pct >= 100;
  return (
    <Tooltip label={done ? `learned${why}; until ${formatTime(learning.until)}` : `learning${why} until ${formatTime(learning.until)}`}>
      <Group gap="xs" wrap="nowrap" miw={140} aria-label={label ?? 'learning progress'}>
        <Progress value={pct} color={done ? 'green.8' : 'blue.7'} size="sm" w={80} aria-hidden />
        <Text size="xs" c={done ? 'dimmed' : undefined}>
          {done ? 'learned' : `${pct}%`}
        </Text>
      </Group>
    </Tooltip>
  );
}
