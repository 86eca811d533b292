import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { vi } from 'vitest';
import { createQueryClient } from './app/query-client';
import { routes } from './app/router';
import { theme } from './app/theme';
import { setSessionHint } from './modules/auth/api/session-hint';

/** One request the fake API saw. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Headers;
}

type Handler = (req: SeenRequest) => { status?: number; body?: unknown } | undefined;

/**
 * An in-memory API for component tests: `routes` maps "METHOD /path" (":x" matches one segment) to a
 * handler; anything else answers 404 so a missing route fails the test visibly. Installs itself as fetch.
 */
export function fakeApi(handlers: Record<string, Handler>) {
  const seen: SeenRequest[] = [];
  const table = Object.entries(handlers).map(([k, h]) => {
    const [method, pattern] = k.split(' ') as [string, string];
    const re = new RegExp(`^${pattern.replace(/:[a-zA-Z]+/g, '[^/]+')}$`);
    return { method, re, h };
  });
  const fetchFn = vi.fn(async (input: Request) => {
    const url = new URL(input.url);
    const text = input.method === 'GET' ? '' : await input.text();
    const req: SeenRequest = { method: input.method, path: url.pathname, query: url.searchParams, body: text ? JSON.parse(text) : undefined, headers: input.headers };
    seen.push(req);
    const route = table.find((r) => r.method === req.method && r.re.test(decodeURIComponent(req.path)));
    const res = route?.h(req) ?? { status: 404, body: { error: { code: 'NOT_FOUND', message: `no fake for ${req.method} ${req.path}` } } };
    const status = res.status ?? 200;
    const response = new Response(status === 204 ? null : JSON.stringify(res.body ?? {}), { status, headers: { 'content-type': 'application/json' } });
    // a real fetch answer knows its URL (the client reads the CSRF token from /api/auth/me answers by it)
    Object.defineProperty(response, 'url', { value: input.url });
    return response;
  });
  vi.stubGlobal('fetch', fetchFn);
  return { seen, fetch: fetchFn };
}

export const ADMIN = { userId: '00000000-0000-4000-8000-000000000001', username: 'alice', role: 'admin', csrfToken: 'csrf-123' };

/** The whole app (routes, session gate, providers) at `path`, in memory; `loggedIn` sets the session hint. */
export function renderApp(path: string, { loggedIn = true }: { loggedIn?: boolean } = {}) {
  setSessionHint(loggedIn);
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const queryClient = createQueryClient();
  const view = render(
    <MantineProvider theme={theme}>
      <Notifications />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { ...view, router, queryClient };
}

/** A fake EventSource the tests push server-sent events through. */
export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  static readonly CLOSED = 2;
  readyState = 1;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((ev: MessageEvent) => void)[]>();

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
    queueMicrotask(() => this.onopen?.());
  }

  addEventListener(type: string, fn: (ev: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }

  emit(type: string, data: unknown): void {
    for (const fn of this.listeners.get(type) ?? []) fn(new MessageEvent(type, { data: JSON.stringify(data) }));
  }

  close(): void {
    this.readyState = 2;
  }
}
