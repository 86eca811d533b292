import type { ReactNode } from 'react';
import { QueryState } from '../../../components/QueryState';
import { useSession } from '../hooks/useSession';
import { LoginPage } from './LoginPage';

/** Renders its children only with a session; otherwise the login form, whatever the route. */
export function SessionGate({ children }: { children: ReactNode }) {
  const session = useSession();
  if (session.isPending || session.isError) return <QueryState query={session} what="your session" fullPage />;
  if (!session.data) return <LoginPage />;
  return <>{children}</>;
}
