import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ADMIN, fakeApi, renderApp } from '../../../test-utils';
import { ENDPOINT } from '../../../test-fixtures';

describe('without a session', () => {
  for (const path of ['/', '/alerts', '/endpoints', '/alerts/abc', '/audit']) {
    it(`${path} shows the login form and asks for no data`, async () => {
      const api = fakeApi({ 'GET /api/auth/me': () => ({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'log in first' } } }) });
      renderApp(path, { loggedIn: false });
      expect(await screen.findByRole('button', { name: 'Log in' })).toBeInTheDocument();
      expect(screen.getByLabelText(/Username/)).toBeInTheDocument();
      // a browser that never logged in does not even ask (a 401 would show as a console error)
      expect(api.seen.map((r) => r.path)).toEqual([]);
    });
  }

  for (const path of ['/', '/alerts']) {
    it(`${path} shows the login form when the remembered session has ended`, async () => {
      const api = fakeApi({ 'GET /api/auth/me': () => ({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'log in first' } } }) });
      renderApp(path, { loggedIn: true });
      expect(await screen.findByRole('button', { name: 'Log in' })).toBeInTheDocument();
      expect(api.seen.map((r) => r.path)).toEqual(['/api/auth/me']);
      expect(localStorage.getItem('vigil.session')).toBeNull();
    });
  }

  it('logs in and then shows the screen of the address', async () => {
    let loggedIn = false;
    const api = fakeApi({
      'GET /api/auth/me': () => (loggedIn ? { body: ADMIN } : { status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'log in first' } } }),
      'POST /api/auth/login': (r) => {
        const b = r.body as { username: string; password: string };
        if (b.password !== 'right password') return { status: 401, body: { error: { code: 'INVALID_CREDENTIALS', message: 'wrong username or password' } } };
        loggedIn = true;
        return { body: { ...ADMIN, expiresAt: '2026-12-02T00:00:00Z' } };
      },
      'GET /api/endpoints': () => ({ body: [ENDPOINT] }),
    });
    renderApp('/endpoints', { loggedIn: false });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Username/), 'alice');
    await user.type(screen.getByLabelText(/Password/), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('wrong username or password');

    await user.clear(screen.getByLabelText(/Password/));
    await user.type(screen.getByLabelText(/Password/), 'right password');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('heading', { name: 'Endpoints', level: 1 })).toBeInTheDocument();
    expect(await screen.findByText('web-01')).toBeInTheDocument();
    expect(api.seen.filter((r) => r.path === '/api/auth/login')).toHaveLength(2);
    expect(localStorage.getItem('vigil.session')).toBe('1');
  });

  it('goes back to the login form when the session ends (a 401 on any call)', async () => {
    fakeApi({
      'GET /api/auth/me': () => ({ body: ADMIN }),
      'GET /api/endpoints': () => ({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'log in first' } } }),
    });
    renderApp('/endpoints');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Log in' })).toBeInTheDocument());
  });
});
