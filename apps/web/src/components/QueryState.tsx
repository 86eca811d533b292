import { Alert, Button, Center, Group, Loader, Stack, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { errorText } from '../api/errors';

interface QueryStateProps<T> {
  query: Pick<UseQueryResult<T>, 'isPending' | 'isError' | 'error' | 'data' | 'refetch'>;
  /** What is being loaded, in words ("alerts"): used in the loading and error texts. */
  what: string;
  /** True when the data holds nothing to show: renders `empty` (or a default sentence). */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  fullPage?: boolean;
  children?: (data: T) => ReactNode;
}

/** The loading, error and empty states of one query, the same on every screen; children render the data. */
export function QueryState<T>({ query, what, isEmpty, empty, fullPage, children }: QueryStateProps<T>) {
  if (query.isPending) {
    return (
      <Center mih={fullPage ? '100vh' : 120} role="status" aria-live="polite">
        <Group gap="xs">
          <Loader size="sm" />
          <Text c="dimmed" size="sm">
            Loading {what}…
          </Text>
        </Group>
      </Center>
    );
  }
  if (query.isError) {
    return (
      <Center mih={fullPage ? '100vh' : undefined}>
        <Alert color="red" title={`Could not load ${what}`} role="alert" w="100%" maw={fullPage ? 480 : undefined}>
          <Stack gap="xs" align="flex-start">
            <Text size="sm">{errorText(query.error)}</Text>
            <Button size="xs" variant="light" color="red" onClick={() => void query.refetch()}>
              Try again
            </Button>
          </Stack>
        </Alert>
      </Center>
    );
  }
  const data = query.data as T;
  if (isEmpty?.(data)) {
    return (
      <Center mih={100}>
        {typeof empty === 'string' || empty === undefined ? (
          <Text c="dimmed" size="sm">
            {empty ?? `No ${what} yet.`}
          </Text>
        ) : (
          empty
        )}
      </Center>
    );
  }
  return <>{children?.(data)}</>;
}
