import type { components } from '@vigil/api-client';

type Schemas = components['schemas'];

export type Incident = Schemas['IncidentDto'];
export type IncidentDetail = Schemas['IncidentDetailDto'];
export type IncidentProcess = IncidentDetail['processes'][number];
export type IncidentAlert = IncidentDetail['alerts'][number];
