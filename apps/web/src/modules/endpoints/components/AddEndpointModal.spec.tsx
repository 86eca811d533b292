import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ENDPOINT } from '../../../test-fixtures';
import { ADMIN, fakeApi, renderApp } from '../../../test-utils';

describe('adding an endpoint', () => {
  it('shows the key once, offers agent.conf for download and the install command', async () => {
    const config = 'api=http://127.0.0.1:5001\nkey=vgk_secret\nid=2222\nname=db-02\nbatch_size=500\n';
    const blobs: Blob[] = [];
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: (b: Blob) => (blobs.push(b), 'blob:agent-conf'), revokeObjectURL: () => {} }));
    const fake = fakeApi({
      'GET /api/auth/me': () => ({ body: ADMIN }),
      'GET /api/endpoints': () => ({ body: [ENDPOINT] }),
      'POST /api/endpoints': (r) => ({ status: 201, body: { id: '22222222-2222-4222-8222-222222222222', name: (r.body as { name: string }).name, key: 'vgk_secret', config } }),
    });
    renderApp('/endpoints');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Add endpoint' }));
    await user.type(await screen.findByLabelText(/Name/), 'db-02');
    await user.click(screen.getByRole('button', { name: 'Enrol' }));
    expect(await screen.findByTestId('endpoint-key')).toHaveTextContent('vgk_secret');
    const link = screen.getByRole('link', { name: 'Download agent.conf' });
    expect(link).toHaveAttribute('download', 'agent.conf');
    expect(link).toHaveAttribute('href', 'blob:agent-conf');
    expect(await blobs[0]!.text()).toBe(config);
    expect(screen.getByTestId('install-command')).toHaveTextContent('sudo deploy/agent/install.sh agent.conf');
    const post = fake.seen.find((r) => r.method === 'POST')!;
    expect(post.body).toEqual({ name: 'db-02' });
    expect(post.headers.get('x-csrf-token')).toBe(ADMIN.csrfToken);
    // closing forgets the key: reopening starts a new enrolment
    await user.click(screen.getByRole('button', { name: 'Done' }));
    await user.click(screen.getByRole('button', { name: 'Add endpoint' }));
    await waitFor(() => expect(screen.queryByTestId('endpoint-key')).not.toBeInTheDocument());
  });

  it('is not offered to analysts', async () => {
    fakeApi({ 'GET /api/auth/me': () => ({ body: { ...ADMIN, role: 'analyst' } }), 'GET /api/endpoints': () => ({ body: [ENDPOINT] }) });
    renderApp('/endpoints');
    expect(await screen.findByText('web-01')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add endpoint' })).not.toBeInTheDocument();
  });
});
