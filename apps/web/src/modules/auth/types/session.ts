import type { components } from '@vigil/api-client';

/** Who is logged in, with the CSRF token of the session. */
export type Session = components['schemas']['MeDto'];

export type Role = 'admin' | 'analyst';

/** One of the user's own sessions. */
export type OwnSession = components['schemas']['OwnSessionDto'];
