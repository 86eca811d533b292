import type { components } from '@vigil/api-client';

export type User = components['schemas']['UserDto'];
export type NewUser = components['schemas']['CreateUserDto'];
export type UserSession = components['schemas']['SessionDto'];
