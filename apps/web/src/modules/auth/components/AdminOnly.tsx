import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';
import { useIsAdmin } from '../hooks/useSession';

/** Admin screens: other roles get an explanation (the server refuses them too). */
export function AdminOnly({ children }: { children: ReactNode }) {
  if (!useIsAdmin()) {
    return (
      <Alert color="yellow" title="Admins only" role="alert">
        This screen needs the admin role.
      </Alert>
    );
  }
  return <>{children}</>;
}
