import { Alert, Button, Stack, Text } from '@mantine/core';
import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

/** A screen that failed to load or render (e.g. a chunk missing after a redeploy), or an unknown address. */
export function RouteError() {
  const err = useRouteError();
  const notFound = err === undefined || (isRouteErrorResponse(err) && err.status === 404);
  return (
    <Alert color={notFound ? 'yellow' : 'red'} title={notFound ? 'No such page' : 'This screen failed'} role="alert" m="lg">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{notFound ? 'The address does not name a screen of Vigil.' : err instanceof Error ? err.message : 'An unexpected error happened.'}</Text>
        <Button component={Link} to="/" size="xs" variant="light">
          Go to the overview
        </Button>
      </Stack>
    </Alert>
  );
}
