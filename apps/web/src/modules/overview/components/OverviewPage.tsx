import { Anchor, Card, Group, SegmentedControl, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { baseName, formatDecimal, formatNumber, formatTime } from '../../../components/format';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { bucketFor, rangeStart, TIME_RANGES } from '../../../components/time-range';
import { SeverityBadge } from '../../alerts/components/SeverityBadge';
import { StatusBadge } from '../../alerts/components/StatusBadge';
import { useEndpointNames } from '../../endpoints/hooks/useEndpoints';
import { useOverview } from '../hooks/useOverview';
import type { Overview } from '../types/overview';
import { AlertsBySeverityChart } from './AlertsBySeverityChart';

function Stat({ label, value, hint, color }: { label: string; value: string; hint?: string; color?: string }) {
  return (
    <Card withBorder padding="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} c={color} data-testid={`stat-${label.toLowerCase().replace(/[^a-z]+/g, '-')}`}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}

/** The fleet at a glance: endpoints online/offline, event rate and drops, alerts by severity, newest alerts. */
export default function OverviewPage() {
  const [range, setRange] = useState('24h');
  const q = useMemo(() => ({ from: rangeStart(range), bucket: bucketFor(range) }), [range]);
  const overview = useOverview(q);
  return (
    <>
      <PageHeader
        title="Overview"
        description="The fleet and its alerts."
        actions={<SegmentedControl size="xs" value={range} onChange={setRange} data={TIME_RANGES.map((r) => ({ value: r.value, label: r.label }))} aria-label="Time window" />}
      />
      <QueryState query={overview} what="the overview">
        {(o) => <OverviewView overview={o} />}
      </QueryState>
    </>
  );
}

function OverviewView({ overview: o }: { overview: Overview }) {
  const endpointName = useEndpointNames();
  const total = o.alertsBySeverity.reduce((n, b) => n + b.info + b.low + b.medium + b.high + b.critical, 0);
  return (
    <>
      <SimpleGrid cols={5} mb="md">
        <Stat label="Endpoints online" value={formatNumber(o.endpoints.online)} hint={`of ${formatNumber(o.endpoints.total)} enrolled`} color="green.8" />
        <Stat label="Endpoints offline" value={formatNumber(o.endpoints.offline)} hint="nothing received for 2 min" color={o.endpoints.offline > 0 ? 'red.8' : undefined} />
        <Stat label="Events per second" value={formatDecimal(o.eventsPerSecond)} hint="system calls, last 5 min" />
        <Stat
          label="Lost events"
          value={formatNumber(o.drops)}
          hint={`latest windows; ${formatNumber(o.degraded)} records degraded (truncated, not lost)`}
          color={o.drops > 0 ? 'orange.8' : undefined}
        />
        <Stat label="Alerts in window" value={formatNumber(total)} hint={`since ${formatTime(o.from)}`} />
      </SimpleGrid>
      <Card withBorder mb="md">
        <Title order={2} size="h4" mb="xs">
          Alerts by severity (per {o.bucket})
        </Title>
        {total === 0 ? (
          <Text c="dimmed" size="sm">
            No alerts in this window.
          </Text>
        ) : (
          <AlertsBySeverityChart buckets={o.alertsBySeverity} />
        )}
      </Card>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h4">
            Newest alerts
          </Title>
          <Anchor component={Link} to="/alerts" size="sm">
            Open the queue
          </Anchor>
        </Group>
        {o.newestAlerts.length === 0 ? (
          <Text c="dimmed" size="sm">
            No alerts in this window.
          </Text>
        ) : (
          <Table aria-label="Newest alerts" highlightOnHover>
            <Table.Tbody>
              {o.newestAlerts.map((a) => (
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
                    <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                      {endpointName(a.endpointId)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {baseName(a.program)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={a.status} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatTime(a.time)}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
    </>
  );
}
