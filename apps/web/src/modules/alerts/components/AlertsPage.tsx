import { Badge, Button, Center, Group, Kbd, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { useSession } from '../../auth/hooks/useSession';
import { useEndpointNames, useEndpoints } from '../../endpoints/hooks/useEndpoints';
import { useAlertStream } from '../hooks/useAlertStream';
import { useAlerts, useTriage } from '../hooks/useAlerts';
import { useListKeyboard } from '../hooks/useListKeyboard';
import type { AlertFilters, TriageChange } from '../types/alert';
import { AlertFiltersBar, DEFAULT_FILTERS } from './AlertFiltersBar';
import { AlertsTable } from './AlertsTable';
import { BulkTriageBar } from './BulkTriageBar';

const STREAM_LABEL = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' } as const;

/** The alert queue: filters, live arrival, bulk triage and j/k/Enter/x keyboard navigation. */
export default function AlertsPage() {
  const navigate = useNavigate();
  const me = useSession().data?.username ?? '';
  const [filters, setFilters] = useState<AlertFilters>(DEFAULT_FILTERS);
  // typing in a text filter waits for a pause before asking the server
  const [queryFilters] = useDebouncedValue(filters, 300);
  const alerts = useAlerts(queryFilters);
  const endpoints = useEndpoints();
  const endpointName = useEndpointNames();
  const stream = useAlertStream(queryFilters);
  const triage = useTriage();
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [cursor, setCursor] = useState(-1);

  const items = useMemo(() => alerts.data?.pages.flatMap((p) => p.items) ?? [], [alerts.data]);
  const toggle = useCallback((id: string) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; }), []);
  const open = useCallback((i: number) => items[i] && navigate(`/alerts/${encodeURIComponent(items[i].id)}`), [items, navigate]);
  const toggleAt = useCallback((i: number) => items[i] && toggle(items[i].id), [items, toggle]);
  useListKeyboard({ count: items.length, cursor, setCursor, onOpen: open, onToggle: toggleAt });

  const apply = (change: TriageChange) => triage.mutate({ ids: [...selected], change }, { onSuccess: () => setSelected(new Set()) });
  const endpointOptions = (endpoints.data ?? []).map((e) => ({ value: e.id, label: e.name }));

  return (
    <>
      <PageHeader
        title="Alerts"
        description={
          <>
            Newest first. Keys: <Kbd>j</Kbd>/<Kbd>k</Kbd> move, <Kbd>Enter</Kbd> opens, <Kbd>x</Kbd> selects.
          </>
        }
        actions={
          <Badge color={stream.state === 'live' ? 'green.8' : 'gray.7'} variant="dot" data-testid="stream-state">
            {STREAM_LABEL[stream.state]}
          </Badge>
        }
      />
      <AlertFiltersBar value={filters} onChange={(f) => { setFilters(f); setCursor(-1); }} endpoints={endpointOptions} />
      <BulkTriageBar count={selected.size} busy={triage.isPending} me={me} onApply={apply} onClear={() => setSelected(new Set())} />
      <QueryState
        query={alerts}
        what="alerts"
        isEmpty={() => items.length === 0}
        empty={
          <Text c="dimmed" size="sm">
            No alerts match these filters. New ones appear here as they arrive.
          </Text>
        }
      >
        {() => (
          <>
            <AlertsTable
              alerts={items}
              endpointName={endpointName}
              selected={selected}
              onToggle={toggle}
              onToggleAll={() => setSelected((s) => (items.every((a) => s.has(a.id)) ? new Set() : new Set(items.map((a) => a.id))))}
              cursor={cursor}
              onCursor={setCursor}
              fresh={stream.arrived}
            />
            <Center mt="md">
              {alerts.hasNextPage ? (
                <Button variant="default" onClick={() => void alerts.fetchNextPage()} loading={alerts.isFetchingNextPage}>
                  Load more
                </Button>
              ) : (
                <Group gap={4}>
                  <Text size="xs" c="dimmed">
                    {items.length} alert{items.length === 1 ? '' : 's'}, end of the list
                  </Text>
                </Group>
              )}
            </Center>
          </>
        )}
      </QueryState>
    </>
  );
}
