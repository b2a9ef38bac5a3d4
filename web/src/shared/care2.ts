// 云监护 on the phone (docs/care.md): the alerts assigned to me, acknowledge, close.
import { api, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';

export type CareAlert = components['schemas']['CareAlert'];

/** My open alerts (dispatched to me as the grid worker), oldest first. */
export async function myOpenAlerts(): Promise<CareAlert[]> {
  const page = await ok(api.GET('/api/v1/care/alerts', { params: { query: { mine: true, open: true, limit: 100 } } }));
  return (page.items ?? []) as CareAlert[];
}

export async function acknowledge(id: number): Promise<CareAlert> {
  return (await ok(api.POST('/api/v1/care/alerts/{id}/acknowledge', { params: { path: { id } } }))) as CareAlert;
}

export async function closeAlert(id: number, note: string): Promise<CareAlert> {
  return (await ok(
    api.POST('/api/v1/care/alerts/{id}/close', { params: { path: { id } }, body: note ? { note } : {} }),
  )) as CareAlert;
}

/** The locale key of what raised the alert: the N-hour rule, the learned profile, or running water. */
export function ruleKey(a: Pick<CareAlert, 'rule' | 'basis'>): string {
  if (a.rule === 'flow') return 'care2.rule.flow';
  return a.basis === 'profile' ? 'care2.rule.profile' : 'care2.rule.silence';
}

/** Where the alert stands: acknowledged, or how far it escalated. */
export function stageKey(a: Pick<CareAlert, 'acknowledged_at' | 'escalated_at' | 'contacted_at'>): string {
  if (a.acknowledged_at) return 'care2.stage.acknowledged';
  if (a.contacted_at) return 'care2.stage.contacted';
  if (a.escalated_at) return 'care2.stage.escalated';
  return 'care2.stage.assigned';
}
