// Deliberation meetings (docs/deliberation.md): the calls the console's 议事协商 page makes.
import { api, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';
import { formatWhen } from '@/shared/when';

export type Meeting = components['schemas']['DeliberationMeeting'];
export type AgendaItem = components['schemas']['DeliberationItem'];
export type Decision = components['schemas']['DeliberationDecision'];
export type Reminder = components['schemas']['DeliberationReminder'];

export interface Page<T> {
  items: T[];
  next_after: number | null;
}

/** The meetings starting in [from, to) that the caller sees (every page of them). */
export async function listMeetings(from: Date, to: Date): Promise<Meeting[]> {
  const out: Meeting[] = [];
  let after: number | undefined;
  for (;;) {
    const query = { from: from.toISOString(), to: to.toISOString(), limit: 200, ...(after ? { after } : {}) };
    const page = (await ok(api.GET('/api/v1/deliberation/meetings', { params: { query } }))) as Page<Meeting>;
    out.push(...page.items);
    if (!page.next_after) return out.sort((a, b) => (a.starts_at ?? '').localeCompare(b.starts_at ?? ''));
    after = page.next_after;
  }
}

export async function getMeeting(id: number): Promise<Meeting> {
  return (await ok(api.GET('/api/v1/deliberation/meetings/{id}', { params: { path: { id } } }))) as Meeting;
}

export async function waitingProposals(): Promise<AgendaItem[]> {
  const query = { state: 'proposed' as const, limit: 100 };
  return ((await ok(api.GET('/api/v1/deliberation/proposals', { params: { query } }))) as Page<AgendaItem>).items;
}

export async function reminders(): Promise<Reminder[]> {
  return (await ok(api.GET('/api/v1/deliberation/reminders'))).items as Reminder[];
}

export async function addItem(
  meeting: number,
  body: { proposal_id?: number; ticket_id?: number; title?: string; duration_minutes?: number },
): Promise<AgendaItem> {
  return (await ok(
    api.POST('/api/v1/deliberation/meetings/{id}/agenda', { params: { path: { id: meeting } }, body }),
  )) as AgendaItem;
}

export async function saveMinutes(meeting: number, minutes: string, version?: number): Promise<Meeting> {
  return (await ok(
    api.PUT('/api/v1/deliberation/meetings/{id}/minutes', { params: { path: { id: meeting } }, body: { minutes, version } }),
  )) as Meeting;
}

export async function decide(
  meeting: number,
  body: { item_id?: number; title: string; owner: string; due_date: string; weight?: number },
): Promise<Decision> {
  return (await ok(
    api.POST('/api/v1/deliberation/meetings/{id}/decisions', { params: { path: { id: meeting } }, body }),
  )) as Decision;
}

export async function checkInCode(meeting: number): Promise<{ code?: string; qr?: string; expires_at?: string }> {
  return await ok(api.GET('/api/v1/deliberation/meetings/{id}/code', { params: { path: { id: meeting } } }));
}

/** "2026/12/04 09:00", the county's wall time; "—" when none. */
export function when(at?: string | null): string {
  return formatWhen(at, '—');
}

export function percent(share?: number): number {
  return Math.round((share ?? 0) * 100);
}

export type RegistrationView = components['schemas']['DeliberationRegistrationView'];

/** Cancels a scheduled meeting; the registered people are told (issue 10 §3). */
export async function cancelMeeting(meeting: number, reason: string): Promise<Meeting> {
  return (await ok(
    api.POST('/api/v1/deliberation/meetings/{id}/cancel', { params: { path: { id: meeting } }, body: { reason } }),
  )) as Meeting;
}

export async function registrations(meeting: number): Promise<RegistrationView[]> {
  return (await ok(api.GET('/api/v1/deliberation/meetings/{id}/registrations', { params: { path: { id: meeting } } })))
    .items as RegistrationView[];
}

export async function declineRegistration(meeting: number, registration: number, reason: string): Promise<RegistrationView> {
  return (await ok(
    api.POST('/api/v1/deliberation/meetings/{id}/registrations/{registration_id}/decline', {
      params: { path: { id: meeting, registration_id: registration } },
      body: { reason },
    }),
  )) as RegistrationView;
}

/** The check-in QR payload ("cgmeet:<meeting>:<code>") as a PNG data URL. */
export async function qrDataUrl(payload: string): Promise<string> {
  const { toDataURL } = await import('qrcode');
  return toDataURL(payload, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}
