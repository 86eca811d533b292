import { Anchor, Badge, Group, SegmentedControl, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { formatAgo, formatTime } from '../../../components/format';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { SeverityBadge } from '../../alerts/components/SeverityBadge';
import { StatusBadge } from '../../alerts/components/StatusBadge';
import { useEndpointNames } from '../../endpoints/hooks/useEndpoints';
import { useIncidents } from '../hooks/useIncidents';

/** Incidents: the alerts of one process tree within minutes, ranked by severity × rarity. */
export default function IncidentsPage() {
  const [sort, setSort] = useState<'rank' | 'time'>('rank');
  const [scope, setScope] = useState<'open' | 'all'>('open');
  const incidents = useIncidents({ sort, status: scope === 'open' ? ['open', 'acknowledged'] : [] });
  const endpointName = useEndpointNames();
  return (
    <>
      <PageHeader
        title="Incidents"
        description="Alerts of one process tree within minutes, told as one story. Ranked by severity × rarity: what few endpoints of the fleet do comes first."
        actions={
          <>
            <SegmentedControl size="xs" value={scope} onChange={(v) => setScope(v as 'open' | 'all')} data={[{ value: 'open', label: 'open' }, { value: 'all', label: 'all' }]} aria-label="Which incidents" />
            <SegmentedControl size="xs" value={sort} onChange={(v) => setSort(v as 'rank' | 'time')} data={[{ value: 'rank', label: 'by rank' }, { value: 'time', label: 'newest' }]} aria-label="Order" />
          </>
        }
      />
      <QueryState query={incidents} what="incidents" isEmpty={(d) => d.length === 0} empty="No incidents.">
        {(list) => (
          <Table aria-label="Incidents" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Severity</Table.Th>
                <Table.Th ta="right">Rank</Table.Th>
                <Table.Th>Incident</Table.Th>
                <Table.Th>Endpoint</Table.Th>
                <Table.Th ta="right">Alerts</Table.Th>
                <Table.Th>Techniques</Table.Th>
                <Table.Th>Last seen</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((i) => (
                <Table.Tr key={i.id} data-testid="incident-row">
                  <Table.Td>
                    <SeverityBadge severity={i.severity} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm">{i.rank.toFixed(0)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/incidents/${i.id}`} size="sm" fw={500}>
                      {i.title}
                    </Anchor>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {i.programs.join(' · ')}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{endpointName(i.endpointId)}</Text>
                  </Table.Td>
                  <Table.Td ta="right">{i.alertCount}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {i.techniques.map((t) => (
                        <Badge key={t} variant="light" size="sm">
                          {t}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" title={formatTime(i.lastSeen)}>
                      {formatAgo(i.lastSeen)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={i.status} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </>
  );
}
