import { Anchor, Card, Grid, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { formatNumber, formatTime } from '../../../components/format';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { SeverityBadge } from '../../alerts/components/SeverityBadge';
import { StatusBadge } from '../../alerts/components/StatusBadge';
import { useEndpointNames, useEndpoints } from '../../endpoints/hooks/useEndpoints';
import { useBaseline, useBaselines, useRecentDeviations } from '../hooks/useBaselines';
import type { BaselineDetail, BaselineSummary } from '../types/baseline';
import { BaselineSummaryView } from './BaselineSummaryView';
import { LearningProgress } from './LearningProgress';
import { PhaseBadge } from './PhaseBadge';

/** Every program's baseline per endpoint; the selected one shows what it holds and what changed lately. */
export default function BaselinesPage() {
  const [params, setParams] = useSearchParams();
  const endpointId = params.get('endpointId');
  const programKey = params.get('programKey');
  const [program, setProgram] = useState('');
  const [programQuery] = useDebouncedValue(program, 300);
  const endpoints = useEndpoints();
  const endpointName = useEndpointNames();
  const list = useBaselines({ endpointId: endpointId ?? undefined, program: programQuery.trim() || undefined });
  const select = (next: Record<string, string | null>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) if (v) p.set(k, v); else p.delete(k);
    setParams(p, { replace: true });
  };

  return (
    <>
      <PageHeader title="Baselines" description="What each program normally does on each endpoint. Learning baselines raise no deviation alerts yet." />
      <Group mb="md" align="flex-end">
        <Select
          label="Endpoint"
          placeholder="all endpoints"
          clearable
          searchable
          w={220}
          data={(endpoints.data ?? []).map((e) => ({ value: e.id, label: e.name }))}
          value={endpointId}
          onChange={(v) => select({ endpointId: v, programKey: null })}
        />
        <TextInput label="Program" placeholder="part of the path, e.g. nginx" w={260} value={program} onChange={(e) => setProgram(e.currentTarget.value)} />
      </Group>
      <Grid gap="md">
        <Grid.Col span={programKey ? 5 : 12}>
          <QueryState query={list} what="baselines" isEmpty={(d) => d.length === 0} empty="No baselines yet: they appear once the analyzer has seen programs run.">
            {(rows) => (
              <Table highlightOnHover aria-label="Baselines">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Program</Table.Th>
                    {!endpointId && <Table.Th>Endpoint</Table.Th>}
                    <Table.Th>Phase</Table.Th>
                    <Table.Th ta="right">Runs</Table.Th>
                    {!programKey && <Table.Th>Last seen</Table.Th>}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((b) => (
                    <Table.Tr key={`${b.endpointId}|${b.programKey}`} bg={b.programKey === programKey && b.endpointId === endpointId ? 'var(--mantine-primary-color-light)' : undefined}>
                      <Table.Td>
                        <Anchor component="button" type="button" size="sm" ff="monospace" onClick={() => select({ endpointId: b.endpointId, programKey: b.programKey })}>
                          {b.program}
                        </Anchor>
                      </Table.Td>
                      {!endpointId && (
                        <Table.Td>
                          <Text size="sm">{endpointName(b.endpointId)}</Text>
                        </Table.Td>
                      )}
                      <Table.Td>
                        <Group gap="xs" wrap="nowrap">
                          <PhaseBadge phase={b.phase} />
                          {b.phase === 'learning' && <LearningProgress learning={b.learning} label={`learning progress of ${b.program}`} />}
                        </Group>
                      </Table.Td>
                      <Table.Td ta="right">{formatNumber(b.runs)}</Table.Td>
                      {!programKey && <Table.Td>{formatTime(b.lastSeen)}</Table.Td>}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </QueryState>
        </Grid.Col>
        {programKey && endpointId && (
          <Grid.Col span={7}>
            <BaselinePanel endpointId={endpointId} programKey={programKey} />
          </Grid.Col>
        )}
      </Grid>
    </>
  );
}

function BaselinePanel({ endpointId, programKey }: { endpointId: string; programKey: string }) {
  const baseline = useBaseline(endpointId, programKey);
  return (
    <Card withBorder>
      <QueryState query={baseline} what="the baseline">
        {(b) => <BaselineView baseline={b} />}
      </QueryState>
    </Card>
  );
}

function BaselineView({ baseline: b }: { baseline: BaselineDetail }) {
  const deviations = useRecentDeviations(b.endpointId, b.program);
  return (
    <Stack gap="md">
      <div>
        <Group gap="xs">
          <Title order={2} size="h4" ff="monospace">
            {b.program}
          </Title>
          <PhaseBadge phase={b.phase} />
          <LearningProgress learning={b.learning} label="program learning progress" />
        </Group>
        <Text size="sm" c="dimmed">
          {formatNumber(b.runs)} runs · first seen {formatTime(b.firstSeen)} · last seen {formatTime(b.lastSeen)} ·{' '}
          {b.activeSince ? `active since ${formatTime(b.activeSince)}` : 'still learning'} · checkpoint {formatTime(b.updatedAt)}
        </Text>
      </div>
      <BaselineSummaryView summary={b.summary as BaselineSummary} />
      <div>
        <Title order={3} size="h5" mb={4}>
          What changed recently (deviations, last 30 days)
        </Title>
        <QueryState query={deviations} what="recent deviations" isEmpty={(d) => d.items.length === 0} empty="No deviations from this baseline in the last 30 days.">
          {(page) => (
            <Table aria-label="Recent deviations">
              <Table.Tbody>
                {page.items.slice(0, 10).map((a) => (
                  <Table.Tr key={a.id}>
                    <Table.Td w={90}>
                      <SeverityBadge severity={a.severity} />
                    </Table.Td>
                    <Table.Td>
                      <Anchor component={Link} to={`/alerts/${encodeURIComponent(a.id)}`} size="sm">
                        {a.title}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={a.status} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">{formatTime(a.time)}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </QueryState>
      </div>
    </Stack>
  );
}
