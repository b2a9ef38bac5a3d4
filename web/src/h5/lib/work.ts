// The work of party members, unit admins and grid workers: lists (board, my tasks, my grid) and actions on a
// ticket. Every action sends the version the person saw and an Idempotency-Key; a retry of the same action on the
// same ticket (after a network failure) reuses the key, so it is applied once.
import { ApiError, api, idempotencyKey, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';
import { markOffline } from '../online';

export type Ticket = components['schemas']['Ticket'];
export type TicketAction = components['schemas']['TicketAction'];
export type ActionType = 'claim' | 'start' | 'resolve' | 'return' | 'comment';

/** An ApiError for anything thrown; marks the phone offline after a network failure. */
export function asApiError(e: unknown): ApiError {
  const error = e instanceof ApiError ? e : new ApiError(0, { code: 'network', message: String(e) });
  if (error.code === 'network') markOffline();
  return error;
}

/** Walks every page of a ticket list (at most `pages` pages). */
export async function allPages(load: (after?: number) => Promise<{ items?: Ticket[]; next_after?: number | null }>, pages = 10): Promise<Ticket[]> {
  const all: Ticket[] = [];
  let after: number | undefined;
  for (let i = 0; i < pages; i += 1) {
    const res = await load(after);
    all.push(...(res.items ?? []));
    if (!res.next_after) break;
    after = res.next_after;
  }
  return all;
}

/** The board of my community (skills: only categories matching my skills). */
export function loadBoard(skills: 'mine' | 'all' = 'all'): Promise<Ticket[]> {
  return allPages((after) => ok(api.GET('/api/v1/board', { params: { query: { skills, after, limit: 200 } } })));
}

/** Tickets assigned to me (or my unit), newest first. */
export async function loadMyTasks(): Promise<Ticket[]> {
  const all = await allPages((after) => ok(api.GET('/api/v1/tickets', { params: { query: { assigned: true, after, limit: 200 } } })));
  return all.reverse();
}

/** Open tickets I may see as a grid worker (my grids), overdue first, then the oldest deadline first. */
export async function loadGridOpen(): Promise<Ticket[]> {
  const all = await allPages((after) => ok(api.GET('/api/v1/tickets', { params: { query: { open: true, after, limit: 200 } } })));
  return sortOverdueFirst(all);
}

export function sortOverdueFirst(list: Ticket[]): Ticket[] {
  const due = (t: Ticket) => Date.parse(t.resolve_due ?? t.accept_due ?? '') || Number.MAX_SAFE_INTEGER;
  return [...list].sort((a, b) => {
    const oa = a.overdue?.length ? 0 : 1;
    const ob = b.overdue?.length ? 0 : 1;
    return oa - ob || due(a) - due(b) || (a.id ?? 0) - (b.id ?? 0);
  });
}

const keys = new Map<string, string>();

/** The Idempotency-Key of an action on a ticket at a version: the same until it succeeds. */
export function actionKey(ticketId: number, type: string, version?: number): string {
  const k = `${ticketId}:${type}:${version ?? ''}`;
  let key = keys.get(k);
  if (!key) {
    key = idempotencyKey();
    keys.set(k, key);
  }
  return key;
}

/** Tickets this phone acted on lately (the message centre does not announce my own claims). */
export const actedOn = new Set<number>();

/** Acts on a ticket at the version the person saw; answers the ticket after the action. */
export async function act(ticket: Ticket, type: ActionType, extra: Omit<TicketAction, 'type' | 'version'> = {}): Promise<Ticket> {
  const id = ticket.id ?? 0;
  const k = `${id}:${type}:${ticket.version ?? ''}`;
  const key = actionKey(id, type, ticket.version);
  actedOn.add(id);
  const result = await ok(
    api.POST('/api/v1/tickets/{id}/events', {
      params: { path: { id }, header: { 'Idempotency-Key': key } },
      body: { type, version: ticket.version, ...extra },
    }),
  );
  keys.delete(k);
  return result;
}

/** What a member or grid worker may do next with a ticket in this state. */
export function nextActions(ticket: Ticket, canClaim: boolean): ActionType[] {
  switch (ticket.state) {
    case 'published':
      return canClaim ? ['claim'] : [];
    case 'assigned':
      return ['start'];
    case 'in_progress':
    case 'escalated':
      return ['resolve'];
    default:
      return [];
  }
}

/** The hours left before a deadline (negative when past). */
export function hoursLeft(iso?: string | null, now = Date.now()): number | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  return Number.isFinite(at) ? Math.round((at - now) / 36e5) : null;
}
