import type { ReactNode } from 'react';
import { QueryState } from '../../../components/QueryState';
import { useSession } from '../hooks/useSession';
import { LoginPage } from './LoginPage';
import { PendingStepPage } from './PendingStepPage';

/** Renders its children only with a session that has nothing pending; otherwise the login form or the pending step, whatever the route. */
export function SessionGate({ children }: { children: ReactNode }) {
  const session = useSession();
  if (session.isPending || session.isError) return <QueryState query={session} what="your session" fullPage />;
  if (!session.data) return <LoginPage />;
  if (session.data.pending) return <PendingStepPage session={session.data} />;
  return <>{children}</>;
}
