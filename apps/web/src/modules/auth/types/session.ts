import type { components } from '@vigil/api-client';

/** Who is logged in, with the CSRF token of the session. */
export type Session = components['schemas']['MeDto'];

/** A user's role (the API's list: USER_ROLES of @vigil/api-client). */
export type Role = components['schemas']['MeDto']['role'];

/** One of the user's own sessions. */
export type OwnSession = components['schemas']['OwnSessionDto'];
