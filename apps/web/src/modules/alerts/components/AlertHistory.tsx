import { Text, Timeline } from '@mantine/core';
import { formatTime } from '../../../components/format';
import type { AlertDetail } from '../types/alert';

type HistoryEntry = AlertDetail['history'][number];

const TYPE_TITLES: Record<HistoryEntry['type'], string> = {
  raised: 'Raised',
  occurrence: 'Seen again',
  status_change: 'Status changed',
  assignment: 'Assigned',
  note: 'Comment',
  baseline_accept: 'Accepted into the baseline',
};

/** Words for one history entry: what kind of step, by whom. */
export function historyTitle(h: Pick<HistoryEntry, 'type' | 'actor'>): string {
  return `${TYPE_TITLES[h.type] ?? h.type}${h.actor ? ` by ${h.actor}` : h.type === 'raised' || h.type === 'occurrence' ? ' by the analyzer' : ''}`;
}

/** Occurrences, triage and comments, oldest first. */
export function AlertHistory({ history }: { history: HistoryEntry[] }) {
  if (history.length === 0) {
    return (
      <Text c="dimmed" size="sm">
        Nothing has happened to this alert yet.
      </Text>
    );
  }
  return (
    <Timeline bulletSize={12} lineWidth={2} active={history.length - 1} aria-label="Alert history">
      {history.map((h, i) => {
        return (
          <Timeline.Item key={i} title={<Text size="sm" fw={500}>{historyTitle(h)}</Text>}>
            <Text size="sm">{h.summary}</Text>
            <Text size="xs" c="dimmed">
              {formatTime(h.time)}
            </Text>
          </Timeline.Item>
        );
      })}
    </Timeline>
  );
}
