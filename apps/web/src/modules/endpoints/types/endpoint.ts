import type { components } from '@vigil/api-client';

type Schemas = components['schemas'];

export type Endpoint = Schemas['EndpointDto'];
/** Returned once at enrolment (and key rotation): the key and the ready agent config file. */
export type EnrolledEndpoint = Schemas['EndpointWithKeyDto'];
export type EndpointDetail = Schemas['EndpointDetailDto'];
export type ProgramSummary = EndpointDetail['programs'][number];
export type ActivityBucket = Schemas['ActivityBucketDto'];
export type ActivityWindow = Schemas['ActivityWindowDto'];
export type ProcessNode = Schemas['ProcessDto'];

/** How an endpoint is doing, from what its agent last reported. */
export type Health = 'online' | 'offline' | 'never seen' | 'revoked' | 'dropping';

/** An agent that sent nothing for this long is offline (agents send a batch at least every few seconds). */
export const OFFLINE_AFTER_MS = 2 * 60_000;

export function healthOf(e: Endpoint, now = Date.now()): Health {
  if (e.revokedAt) return 'revoked';
  if (!e.lastSeenAt) return 'never seen';
  if (now - new Date(e.lastSeenAt).getTime() > OFFLINE_AFTER_MS) return 'offline';
  // only events actually lost make an endpoint "dropping"; degraded records (a truncated string, an
  // unreadable argument) are counted apart and shown, but nothing was lost
  if ((e.drops ?? 0) > 0) return 'dropping';
  return 'online';
}
