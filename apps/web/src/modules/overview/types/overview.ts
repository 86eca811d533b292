import type { components } from '@vigil/api-client';

/** Fleet state and alert counts over a window. */
export type Overview = components['schemas']['OverviewDto'];
