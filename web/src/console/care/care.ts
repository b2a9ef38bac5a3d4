// Reads and writes of the 云监护 page (docs/care.md): care subjects and their alerts.
import { api, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';

export type CareSubject = components['schemas']['CareSubject'];
export type CareAlert = components['schemas']['CareAlert'];

export interface Page<T> {
  items: T[];
  next_after: number | null;
}

/** One page of the care subjects in the caller's scope, in id order. */
export async function listSubjects(after?: number, limit = 100): Promise<Page<CareSubject>> {
  const query = after ? { after, limit } : { limit };
  return (await ok(api.GET('/api/v1/care/subjects', { params: { query } }))) as Page<CareSubject>;
}

/** One page of the open alerts in the caller's scope, in id order. */
export async function listOpenAlerts(after?: number, limit = 100): Promise<Page<CareAlert>> {
  const query = after ? { open: true, after, limit } : { open: true, limit };
  return (await ok(api.GET('/api/v1/care/alerts', { params: { query } }))) as Page<CareAlert>;
}

export async function acknowledgeAlert(id: number): Promise<CareAlert> {
  return (await ok(
    api.POST('/api/v1/care/alerts/{id}/acknowledge', { params: { path: { id } } }),
  )) as CareAlert;
}
