import { Anchor, Button, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link } from 'react-router';
import { formatAgo, formatDecimal, formatNumber, formatTime } from '../../../components/format';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { useIsAdmin } from '../../auth/hooks/useSession';
import { useEndpoints } from '../hooks/useEndpoints';
import { healthOf } from '../types/endpoint';
import { AddEndpointModal } from './AddEndpointModal';
import { HealthBadge } from './HealthBadge';
import { LearningProgress } from '../../baselines/components/LearningProgress';

/** Enrolled endpoints: health, last seen, agent version, event rate, drops and learning; admins enrol new ones. */
export default function EndpointsPage() {
  const endpoints = useEndpoints();
  const admin = useIsAdmin();
  const [adding, add] = useDisclosure(false);
  return (
    <>
      <PageHeader
        title="Endpoints"
        description="Hosts running the Vigil agent. Offline: nothing received for 2 minutes."
        actions={admin && <Button onClick={add.open}>Add endpoint</Button>}
      />
      <QueryState query={endpoints} what="endpoints" isEmpty={(d) => d.length === 0} empty="No endpoints enrolled yet. Add one to start monitoring it.">
        {(list) => (
          <Table highlightOnHover aria-label="Endpoints">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Health</Table.Th>
                <Table.Th>Last seen</Table.Th>
                <Table.Th>Agent version</Table.Th>
                <Table.Th ta="right">Events/s</Table.Th>
                <Table.Th ta="right">Lost</Table.Th>
                <Table.Th ta="right">Degraded</Table.Th>
                <Table.Th>Learning</Table.Th>
                <Table.Th>Enrolled</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((e) => (
                <Table.Tr key={e.id} data-testid="endpoint-row">
                  <Table.Td>
                    <Anchor component={Link} to={`/endpoints/${e.id}`} size="sm" fw={500}>
                      {e.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <HealthBadge health={healthOf(e)} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" title={formatTime(e.lastSeenAt)}>
                      {formatAgo(e.lastSeenAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{e.agentVersion ?? '—'}</Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm">{formatDecimal(e.eventsPerS)}</Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm" c={(e.drops ?? 0) > 0 ? 'orange.8' : undefined}>
                      {formatNumber(e.drops)}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm" title="records delivered with a truncated string or an unreadable argument (not lost)">
                      {formatNumber(e.degraded)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <LearningProgress learning={e.learning} label={`learning progress of ${e.name}`} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatTime(e.createdAt)}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      <AddEndpointModal opened={adding} onClose={add.close} />
    </>
  );
}
