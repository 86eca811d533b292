import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ENDPOINT } from '../../../test-fixtures';
import { ADMIN, fakeApi, renderApp } from '../../../test-utils';

const error = (status: number, code: string, message: string) => ({ status, body: { error: { code, message, id: 'e-1' } } });

describe('password change, second factor and re-authentication in the UI', () => {
  it('asks for a code after the password when the account has a second factor', async () => {
    const api = fakeApi({
      'GET /api/auth/me': () => error(401, 'UNAUTHENTICATED', 'log in first'),
      'POST /api/auth/login': (r) => {
        const b = r.body as { totp?: string };
        if (!b.totp) return error(401, 'TOTP_REQUIRED', 'enter the code from your authenticator app');
        return { body: { ...ADMIN, totpEnabled: true, pending: null, reauthUntil: '2026-12-02T00:10:00Z', expiresAt: '2026-12-02T00:00:00Z' } };
      },
      'GET /api/endpoints': () => ({ body: [ENDPOINT] }),
    });
    renderApp('/endpoints', { loggedIn: false });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Username/), 'alice');
    await user.type(screen.getByLabelText(/^Password/), 'right password');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    await user.type(await screen.findByLabelText(/Authenticator code/), '123456');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('heading', { name: 'Endpoints', level: 1 })).toBeInTheDocument();
    expect(api.seen.filter((r) => r.path === '/api/auth/login').map((r) => (r.body as { totp?: string }).totp)).toEqual([undefined, '123456']);
  });

  it('shows only the password change while one is required (first login), then the screens', async () => {
    let pending: string | null = 'password_change';
    const api = fakeApi({
      'GET /api/auth/me': () => ({ body: { ...ADMIN, pending, totpEnabled: false } }),
      'POST /api/auth/password': (r) => {
        const b = r.body as { currentPassword: string; newPassword: string };
        if (b.newPassword.length < 12) return error(400, 'WEAK_PASSWORD', 'weak password: the password must have at least 12 characters (it has 5)');
        pending = null;
        return { body: { otherSessionsEnded: 0 } };
      },
      'GET /api/endpoints': () => ({ body: [ENDPOINT] }),
    });
    renderApp('/endpoints');
    expect(await screen.findByRole('heading', { name: 'Choose a new password' })).toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/Current password/), 'printed-once');
    await user.type(screen.getByLabelText(/^New password(?! again)/), 'short');
    await user.type(screen.getByLabelText(/New password again/), 'short');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('at least 12 characters');
    await user.clear(screen.getByLabelText(/^New password(?! again)/));
    await user.clear(screen.getByLabelText(/New password again/));
    await user.type(screen.getByLabelText(/^New password(?! again)/), 'lichen-parapet-62-glow');
    await user.type(screen.getByLabelText(/New password again/), 'lichen-parapet-62-glow');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('heading', { name: 'Endpoints', level: 1 })).toBeInTheDocument();
    // Nothing but the session and the change was asked before the change.
    expect(api.seen.filter((r) => r.path === '/api/endpoints').length).toBeGreaterThan(0);
  });

  it('asks for the password again when an admin action is refused for want of a recent one', async () => {
    let confirmed = false;
    const api = fakeApi({
      'GET /api/auth/me': () => ({ body: { ...ADMIN, pending: null, totpEnabled: false } }),
      'GET /api/users': () => ({ body: [{ id: 'u-2', username: 'bob', role: 'analyst', createdAt: '2026-12-01T00:00:00Z', disabled: false, mustChangePassword: false, totpEnabled: false }] }),
      'PATCH /api/users/u-2': () => (confirmed ? { body: { id: 'u-2', username: 'bob', role: 'analyst', createdAt: '2026-12-01T00:00:00Z', disabled: true, mustChangePassword: false, totpEnabled: false } } : error(403, 'REAUTH_REQUIRED', 'enter your password again')),
      'POST /api/auth/reauth': () => {
        confirmed = true;
        return { body: { reauthUntil: '2026-12-02T00:10:00Z' } };
      },
    });
    renderApp('/users');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Disable bob' }));
    const dialog = await screen.findByRole('dialog', { name: 'Confirm it is you' });
    await user.type(within(dialog).getByLabelText(/^Password/), 'my password');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));
    await waitFor(() => expect(dialog).not.toBeInTheDocument());
    expect(api.seen.filter((r) => r.path === '/api/auth/reauth').map((r) => r.body)).toEqual([{ password: 'my password' }]);
  });

  it('lists the user\'s own sessions on the Account screen and ends the others', async () => {
    const mine = (id: string, userAgent: string, current: boolean) => ({ id, createdAt: '2026-12-01T00:00:00Z', lastSeenAt: '2026-12-01T01:00:00Z', expiresAt: '2026-12-01T12:00:00Z', sourceAddress: '127.0.0.1', userAgent, current });
    let ended = false;
    const api = fakeApi({
      'GET /api/auth/me': () => ({ body: { ...ADMIN, pending: null, totpEnabled: false } }),
      'GET /api/auth/sessions': () => ({ body: ended ? [mine('s1', 'this browser', true)] : [mine('s1', 'this browser', true), mine('s2', 'forgotten laptop', false)] }),
      'DELETE /api/auth/sessions': () => {
        ended = true;
        return { body: { revoked: 1 } };
      },
    });
    renderApp('/account');
    const table = await screen.findByRole('table', { name: 'Your sessions' });
    expect(await within(table).findByText('forgotten laptop')).toBeInTheDocument();
    expect(within(table).getByText('this one')).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole('button', { name: 'End my other sessions' }));
    await waitFor(() => expect(within(table).queryByText('forgotten laptop')).toBeNull());
    expect(api.seen.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/auth/sessions']);
  });
});
