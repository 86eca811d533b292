import type { components } from '@vigil/api-client';

/** An analyst's accept-into-baseline waiting for (or decided by) an admin. */
export type BaselineRequest = components['schemas']['BaselineRequestDto'];
export type SecuritySettings = components['schemas']['SettingsDto'];
