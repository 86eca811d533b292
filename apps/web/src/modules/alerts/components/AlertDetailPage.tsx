import { Anchor, Badge, Breadcrumbs, Card, Grid, Group, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { ActivityChart } from '../../../components/ActivityChart';
import { baseName, formatDecimal, formatTime } from '../../../components/format';
import { QueryState } from '../../../components/QueryState';
import { useEndpointNames } from '../../endpoints/hooks/useEndpoints';
import { useAlert } from '../hooks/useAlerts';
import type { AlertDetail } from '../types/alert';
import { AlertActions } from './AlertActions';
import { AlertHistory } from './AlertHistory';
import { EvidenceData } from './EvidenceView';
import { MitreLink } from './MitreLink';
import { ProcessAncestry } from './ProcessAncestry';
import { SeverityBadge } from './SeverityBadge';
import { StatusBadge } from './StatusBadge';

/** One alert: what happened in plain words, who started the program, what it did around then, and triage. */
export default function AlertDetailPage() {
  const { id = '' } = useParams();
  const alert = useAlert(id);
  return (
    <>
      <Breadcrumbs mb="sm">
        <Anchor component={Link} to="/alerts" size="sm">
          Alerts
        </Anchor>
        <Text size="sm">{id}</Text>
      </Breadcrumbs>
      <QueryState query={alert} what="the alert">
        {(a) => <AlertDetailView alert={a} />}
      </QueryState>
    </>
  );
}

/** "curl (pid 4242) on web-01, started by bash ← sshd ← systemd" */
export function whoSentence(a: Pick<AlertDetail, 'program' | 'pid' | 'ancestry'>, endpoint: string): string {
  const chain = a.ancestry.length ? `, started by ${a.ancestry.map(baseName).join(' ← ')}` : '';
  return `${baseName(a.program)} (pid ${a.pid}) on ${endpoint}${chain}`;
}

function AlertDetailView({ alert: a }: { alert: AlertDetail }) {
  const endpointName = useEndpointNames();
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <div>
          <Group gap="xs" mb={4}>
            <SeverityBadge severity={a.severity} />
            <StatusBadge status={a.status} />
            {a.assignee && <Badge variant="filled" color="dark.5">assigned to {a.assignee}</Badge>}
          </Group>
          <Title order={1} size="h2">
            {a.title}
          </Title>
          <Text c="dimmed" size="sm">
            {formatTime(a.time)} · {a.kind} · detector {a.detector} · score {formatDecimal(a.score)}
            {a.count > 1 ? ` · seen ${a.count} times` : ''}
          </Text>
        </div>
      </Group>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="md">
            <Card withBorder>
              <Title order={2} size="h4" mb="xs">
                What happened
              </Title>
              <Text size="sm" mb="xs" data-testid="evidence">
                {a.evidence}
              </Text>
              <Text size="sm" c="dimmed" mb="sm">
                {whoSentence(a, endpointName(a.endpointId))}.{' '}
                <Anchor component={Link} to={`/endpoints/${a.endpointId}`} size="sm" underline="always">
                  Open the endpoint
                </Anchor>
              </Text>
              <EvidenceData data={a.evidenceData} />
              <Group mt="sm" gap="xs">
                <Text size="sm" fw={500}>
                  Technique:
                </Text>
                <MitreLink technique={a.mitre} />
              </Group>
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="xs">
                Process ancestry
              </Title>
              <ProcessAncestry program={a.program} pid={a.pid} ancestry={a.ancestry} />
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="xs">
                Recent activity of {baseName(a.program)}
              </Title>
              <Text size="xs" c="dimmed" mb="xs">
                {formatTime(a.activity.from)} to {formatTime(a.activity.to)}, per {a.activity.bucket}
              </Text>
              <ActivityChart data={a.activity.buckets} marker={{ at: a.time, label: 'alert' }} />
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack gap="md">
            <Card withBorder>
              <Title order={2} size="h4" mb="xs">
                Triage
              </Title>
              <AlertActions alert={a} />
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="xs">
                History
              </Title>
              <AlertHistory history={a.history} />
            </Card>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
