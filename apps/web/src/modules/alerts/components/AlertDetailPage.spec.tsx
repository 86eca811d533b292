import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { alertDetail, ENDPOINT } from '../../../test-fixtures';
import { ADMIN, fakeApi, renderApp } from '../../../test-utils';
import { mitreUrl } from './MitreLink';

describe('the alert detail', () => {
  it('tells what happened, who started the program, the technique and the history', async () => {
    fakeApi({
      'GET /api/auth/me': () => ({ body: ADMIN }),
      'GET /api/endpoints': () => ({ body: [ENDPOINT] }),
      'GET /api/alerts/:id': () => ({ body: alertDetail() }),
    });
    renderApp('/alerts/alert-1');
    expect(await screen.findByRole('heading', { level: 1, name: /curl made system calls/ })).toBeInTheDocument();
    expect(screen.getByTestId('evidence')).toHaveTextContent('curl called ptrace 12 times');
    expect(await screen.findByText(/curl \(pid 4001\) on web-01, started by bash ← sshd ← systemd/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'MITRE ATT&CK T1059.004' })).toHaveAttribute('href', 'https://attack.mitre.org/techniques/T1059/004/');
    // the ancestry tree nests init → sshd → bash → curl
    const tree = screen.getByLabelText('Process ancestry');
    const labels = within(tree).getAllByText(/^(systemd|sshd|bash|curl)$/).map((e) => e.textContent);
    expect(labels).toEqual(['systemd', 'sshd', 'bash', 'curl']);
    const history = screen.getByLabelText('Alert history');
    expect(within(history).getByText('Raised by the analyzer')).toBeInTheDocument();
    expect(within(history).getByText('Status changed by alice')).toBeInTheDocument();
  });

  it('resolves, assigns and comments through PATCH /api/alerts/:id', async () => {
    const fake = fakeApi({
      'GET /api/auth/me': () => ({ body: ADMIN }),
      'GET /api/endpoints': () => ({ body: [ENDPOINT] }),
      'GET /api/alerts/:id': () => ({ body: alertDetail() }),
      'PATCH /api/alerts/:id': () => ({ body: alertDetail({ status: 'resolved' }) }),
    });
    renderApp('/alerts/alert-1');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Resolve' }));
    await user.click(screen.getByRole('button', { name: 'Assign to me' }));
    await user.type(screen.getByLabelText('Comment'), 'checked with the owner: a debugging session');
    await user.click(screen.getByRole('button', { name: 'Add comment' }));
    await waitFor(() => expect(fake.seen.filter((r) => r.method === 'PATCH')).toHaveLength(3));
    expect(fake.seen.filter((r) => r.method === 'PATCH').map((r) => [r.path, r.body])).toEqual([
      ['/api/alerts/alert-1', { status: 'resolved' }],
      ['/api/alerts/alert-1', { assignee: 'alice' }],
      ['/api/alerts/alert-1', { note: 'checked with the owner: a debugging session' }],
    ]);
  });

  it('shows the server’s answer for an unknown alert', async () => {
    fakeApi({
      'GET /api/auth/me': () => ({ body: ADMIN }),
      'GET /api/endpoints': () => ({ body: [] }),
      'GET /api/alerts/:id': () => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no alert nope' } } }),
    });
    renderApp('/alerts/nope');
    expect(await screen.findByText('Could not load the alert')).toBeInTheDocument();
    expect(screen.getByText('no alert nope')).toBeInTheDocument();
  });
});

describe('mitreUrl', () => {
  it('links techniques and sub-techniques', () => {
    expect(mitreUrl('T1003')).toBe('https://attack.mitre.org/techniques/T1003/');
    expect(mitreUrl('t1003.008')).toBe('https://attack.mitre.org/techniques/T1003/008/');
  });
});
