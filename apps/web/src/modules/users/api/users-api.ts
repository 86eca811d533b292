import { api, call } from '../../../api/client';
import type { NewUser, User } from '../types/user';

export function fetchUsers(): Promise<User[]> {
  return call(api.GET('/api/users'));
}

export function createUser(u: NewUser): Promise<User> {
  return call(api.POST('/api/users', { body: u }));
}
