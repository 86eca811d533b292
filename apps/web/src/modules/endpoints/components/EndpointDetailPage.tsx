import { Anchor, Breadcrumbs, Card, Group, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ActivityChart } from '../../../components/ActivityChart';
import { formatAgo, formatDecimal, formatNumber, formatTime } from '../../../components/format';
import { QueryState } from '../../../components/QueryState';
import { bucketFor, rangeStart, TIME_RANGES } from '../../../components/time-range';
import { PhaseBadge } from '../../baselines/components/PhaseBadge';
import { useEndpoint, useEndpointActivity, useProcessTree } from '../hooks/useEndpoints';
import { healthOf, type EndpointDetail } from '../types/endpoint';
import { HealthBadge } from './HealthBadge';
import { ProcessTree } from './ProcessTree';
import { LearningProgress } from '../../baselines/components/LearningProgress';

/** One endpoint: its programs and their baseline phase, activity over time, and the current process tree. */
export default function EndpointDetailPage() {
  const { id = '' } = useParams();
  const endpoint = useEndpoint(id);
  return (
    <>
      <Breadcrumbs mb="sm">
        <Anchor component={Link} to="/endpoints" size="sm">
          Endpoints
        </Anchor>
        <Text size="sm">{endpoint.data?.name ?? id}</Text>
      </Breadcrumbs>
      <QueryState query={endpoint} what="the endpoint">
        {(e) => <EndpointView endpoint={e} />}
      </QueryState>
    </>
  );
}

function Stat({ label, value, hint, color }: { label: string; value: React.ReactNode; hint?: string; color?: string }) {
  return (
    <Card withBorder padding="sm" title={hint}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="lg" fw={600} c={color}>
        {value}
      </Text>
    </Card>
  );
}

function EndpointView({ endpoint: e }: { endpoint: EndpointDetail }) {
  const [range, setRange] = useState<string>('1h');
  const [program, setProgram] = useState<string | null>(null);
  // `from` is fixed when the window changes, so the query key stays stable between renders
  const query = useMemo(() => ({ from: rangeStart(range), bucket: bucketFor(range), program: program ?? undefined }), [range, program]);
  const activity = useEndpointActivity(e.id, query);
  const tree = useProcessTree(e.id);
  const programs = [...e.programs].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  return (
    <Stack gap="md">
      <Group gap="sm">
        <Title order={1} size="h2">
          {e.name}
        </Title>
        <HealthBadge health={healthOf(e)} />
      </Group>
      <SimpleGrid cols={6}>
        <Stat label="Last seen" value={formatAgo(e.lastSeenAt)} />
        <Stat label="Agent version" value={e.agentVersion ?? '—'} />
        <Stat label="Events/s" value={formatDecimal(e.eventsPerS)} />
        <Stat label="Lost events" value={formatNumber(e.drops)} hint="last window: ring buffer or maps full, evicted batches" color={(e.drops ?? 0) > 0 ? 'orange.8' : undefined} />
        <Stat label="Degraded records" value={formatNumber(e.degraded)} hint="last window: truncated strings, unreadable arguments (not lost)" />
        <Stat label="Programs" value={formatNumber(e.programs.length)} />
        <div>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            Learning
          </Text>
          <LearningProgress learning={e.learning} label="endpoint learning progress" />
        </div>
      </SimpleGrid>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h4">
            Activity
          </Title>
          <Group gap="xs">
            <Select
              aria-label="Program"
              placeholder="all programs"
              clearable
              searchable
              w={260}
              size="xs"
              data={[...new Set(programs.map((p) => p.program))]}
              value={program}
              onChange={setProgram}
            />
            <SegmentedControl size="xs" value={range} onChange={setRange} data={TIME_RANGES.map((r) => ({ value: r.value, label: r.value }))} aria-label="Time window" />
          </Group>
        </Group>
        <QueryState query={activity} what="activity">
          {(buckets) => <ActivityChart data={buckets} />}
        </QueryState>
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="xs">
          Programs and their baselines
        </Title>
        {programs.length === 0 ? (
          <Text c="dimmed" size="sm">
            No programs seen on this endpoint yet.
          </Text>
        ) : (
          <Table aria-label="Programs" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Program</Table.Th>
                <Table.Th>Baseline</Table.Th>
                <Table.Th>Learning</Table.Th>
                <Table.Th ta="right">Runs</Table.Th>
                <Table.Th>First seen</Table.Th>
                <Table.Th>Last seen</Table.Th>
                <Table.Th>Active since</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {programs.map((p) => (
                <Table.Tr key={p.programKey}>
                  <Table.Td>
                    <Anchor component={Link} to={`/baselines?endpointId=${e.id}&programKey=${encodeURIComponent(p.programKey)}`} size="sm" ff="monospace">
                      {p.program}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <PhaseBadge phase={p.phase} />
                  </Table.Td>
                  <Table.Td>
                    <LearningProgress learning={p.learning} label={`learning progress of ${p.program}`} />
                  </Table.Td>
                  <Table.Td ta="right">{formatNumber(p.runs)}</Table.Td>
                  <Table.Td>{formatTime(p.firstSeen)}</Table.Td>
                  <Table.Td>{formatTime(p.lastSeen)}</Table.Td>
                  <Table.Td>{formatTime(p.activeSince)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="xs">
          Process tree now
        </Title>
        <QueryState query={tree} what="the process tree" isEmpty={(d) => d.length === 0} empty="No live processes reported by this endpoint.">
          {(processes) => <ProcessTree processes={processes} />}
        </QueryState>
      </Card>
    </Stack>
  );
}
