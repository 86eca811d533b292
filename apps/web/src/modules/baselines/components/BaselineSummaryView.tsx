import { Badge, Code, Group, List, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { formatNumber } from '../../../components/format';
import type { BaselineSummary } from '../types/baseline';

function Items({ title, items, empty }: { title: string; items: string[] | undefined; empty: string }) {
  return (
    <div>
      <Title order={3} size="h6" mb={4}>
        {title}
      </Title>
      {items && items.length > 0 ? (
        <List size="sm" spacing={2}>
          {items.map((i) => (
            <List.Item key={i}>
              <Code>{i}</Code>
            </List.Item>
          ))}
        </List>
      ) : (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      )}
    </div>
  );
}

/** What a program's baseline holds: system calls, files, executions, network peers, security operations. */
export function BaselineSummaryView({ summary }: { summary: BaselineSummary }) {
  const top = summary.topSyscalls ?? [];
  const max = Math.max(1, ...top.map((t) => t.windows));
  return (
    <Stack gap="md">
      <Group gap="xs">
        <Badge variant="filled" color="dark.5">{formatNumber(summary.windows)} process windows learned</Badge>
        {summary.sequenceModel && <Badge variant="filled" color="dark.5">sequence model k={summary.sequenceModel.k}</Badge>}
      </Group>
      <div>
        <Title order={3} size="h6" mb={4}>
          System calls (by how many process windows made them)
        </Title>
        {top.length === 0 ? (
          <Text size="sm" c="dimmed">
            none recorded yet
          </Text>
        ) : (
          <Stack gap={4}>
            {top.map((t) => (
              <Group key={t.name} gap="xs" wrap="nowrap">
                <Text size="sm" ff="monospace" w={160}>
                  {t.name}
                </Text>
                <Progress value={(100 * t.windows) / max} w={200} aria-label={`${t.name}: ${t.windows} windows`} />
                <Text size="xs" c="dimmed">
                  {formatNumber(t.windows)}
                </Text>
              </Group>
            ))}
          </Stack>
        )}
      </div>
      <SimpleGrid cols={2} spacing="md">
        <Items title="Files" items={summary.files} empty="no file opens learned" />
        <Items title="Programs it executes" items={summary.children} empty="executes nothing" />
        <Items title="Network peers" items={summary.network} empty="no network activity" />
        <Items title="Execution shapes" items={summary.execShapes} empty="none" />
        <Items title="Security-relevant operations" items={summary.security} empty="none" />
      </SimpleGrid>
    </Stack>
  );
}
