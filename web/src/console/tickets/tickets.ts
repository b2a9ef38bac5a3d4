// Ticket reads and actions for the console pages, and what each role may do in each state (the server decides;
// this only keeps buttons that would be refused off the page).
import { api, idempotencyKey, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';
import { role } from '@/shared/session';

export type Ticket = components['schemas']['Ticket'];
export type TicketEvent = components['schemas']['TicketEvent'];
export type TicketAction = components['schemas']['TicketAction'];
export type Category = components['schemas']['Category'];
export type Escalation = components['schemas']['Escalation'];
export type AssigneeOption = components['schemas']['AssigneeOption'];
export type ActionType = TicketAction['type'];

/** Switches for routes other helpers are adding; turn on when they are in docs/openapi.json. */
const COUNTING_ROLES = ['county_admin', 'street_admin', 'community_secretary', 'community_worker', 'grid_worker'];

export const features = {
  /** GET /api/v1/tickets/counts → { <state>: n, overdue: n } for the inbox tab badges. */
  counts: true,
};

export const STATES = [
  'submitted', 'accepted', 'published', 'assigned', 'in_progress', 'escalated', 'resolved', 'closed', 'rejected',
] as const;
export type TicketState = (typeof STATES)[number];
export const KINDS = ['report', 'wish', 'complaint', 'patrol', 'alert', 'follow_up'] as const;
export const OPEN_STATES: readonly string[] = ['submitted', 'accepted', 'published', 'assigned', 'in_progress', 'escalated'];

export interface ListFilter {
  state?: TicketState;
  category_id?: number;
  kind?: (typeof KINDS)[number];
  overdue?: boolean;
  assigned?: boolean;
  within?: number;
  open?: boolean;
  first_route?: 'property' | 'committee' | 'community';
}

export async function listTickets(filter: ListFilter, after?: number, limit = 30) {
  const query: Record<string, unknown> = { limit };
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '' && v !== false) query[k] = v;
  if (after) query.after = after;
  return ok(api.GET('/api/v1/tickets', { params: { query: query as never } }));
}

export async function listBoard(after?: number, limit = 30) {
  return ok(api.GET('/api/v1/board', { params: { query: { limit, ...(after ? { after } : {}) } } }));
}

/** Per-tab counts for the caller's scope, from the server's maintained counters (no COUNT over the rows). */
export async function tabCounts(): Promise<Record<string, number> | null> {
  // The counters answer staff only (units and members get 403), so others see no badges.
  if (!features.counts || !COUNTING_ROLES.includes(role())) return null;
  const c = await ok(api.GET('/api/v1/tickets/counts', {}));
  return { ...(c.by_state as Record<string, number>), all: c.total, open: c.open, overdue: c.overdue };
}

export { tileUrl } from '@/shared/web-config';

let categoriesCache: Promise<Category[]> | undefined;
export function categories(): Promise<Category[]> {
  categoriesCache ??= ok(api.GET('/api/v1/categories', {})).then((r) => r.items ?? []);
  categoriesCache.catch(() => (categoriesCache = undefined));
  return categoriesCache;
}

export const getTicket = (id: number) => ok(api.GET('/api/v1/tickets/{id}', { params: { path: { id } } }));
export const getEvents = (id: number) =>
  ok(api.GET('/api/v1/tickets/{id}/events', { params: { path: { id } } })).then((r) => r.items ?? []);
export const getEscalations = (id: number) =>
  ok(api.GET('/api/v1/tickets/{id}/escalations', { params: { path: { id } } })).then((r) => r.items ?? []);
export const getAssignees = (id: number) =>
  ok(api.GET('/api/v1/tickets/{id}/assignees', { params: { path: { id } } })).then((r) => r.items);
export const revealContact = (id: number) =>
  ok(api.GET('/api/v1/tickets/{id}/contact', { params: { path: { id } } }));

/** Departments a street or county may call in (吹哨): government bodies and public institutions. */
export async function departments() {
  const out: components['schemas']['Unit'][] = [];
  let after: number | undefined;
  do {
    const page = await ok(api.GET('/api/v1/units', { params: { query: { limit: 500, ...(after ? { after } : {}) } } }));
    out.push(...page.items.filter((u) => u.kind === 'government' || u.kind === 'public_institution'));
    after = page.next_after ?? undefined;
  } while (after);
  return out;
}

/**
 * Acts on a ticket at the version the person saw, with an Idempotency-Key: a retry of the same click is applied
 * once; a ticket someone else changed meanwhile answers 409 (version_conflict / invalid_transition).
 */
export function act(ticket: Ticket, action: Omit<TicketAction, 'version'>, key: string = idempotencyKey()) {
  return ok(
    api.POST('/api/v1/tickets/{id}/events', {
      params: { path: { id: ticket.id! }, header: { 'Idempotency-Key': key } },
      body: { ...action, version: ticket.version },
    }),
  );
}

export interface Viewer {
  role: string;
  accountId?: number;
  unitId?: number | null;
  memberId?: number | null;
}

const MANAGER = ['county_admin', 'street_admin', 'community_secretary', 'community_worker'];
const LEADER = ['county_admin', 'street_admin'];

const BY_STATE: Record<string, ActionType[]> = {
  accept: ['submitted'],
  reject: ['submitted', 'accepted'],
  dispatch: ['submitted', 'accepted', 'published', 'assigned'],
  claim: ['published'],
  start: ['assigned'],
  escalate: ['submitted', 'accepted', 'assigned', 'in_progress', 'escalated'],
  respond: ['escalated'],
  resolve: ['assigned', 'in_progress', 'escalated'],
  return: ['assigned', 'in_progress'],
  callback: ['resolved', 'closed'],
  reopen: ['resolved', 'closed'],
  supervise: [...OPEN_STATES] as ActionType[],
  close: ['submitted', 'accepted', 'published', 'resolved'],
} as unknown as Record<string, ActionType[]>;

function holds(t: Ticket, v: Viewer): boolean {
  const a = t.assignee;
  if (!a) return false;
  if (a.kind === 'account') return a.id === v.accountId;
  if (a.kind === 'unit') return v.role === 'unit_admin' && a.id === v.unitId;
  if (a.kind === 'member') return v.role === 'party_member' && a.id === v.memberId;
  return false;
}

/** The actions the viewer may take on the ticket in its state, in the order the buttons show. */
export function allowedActions(t: Ticket, v: Viewer, escalations: Escalation[] = []): ActionType[] {
  const state = t.state ?? '';
  const manager = MANAGER.includes(v.role);
  const leader = LEADER.includes(v.role);
  const holder = holds(t, v);
  const who: Record<string, boolean> = {
    accept: manager,
    reject: manager,
    dispatch: manager,
    claim: v.role === 'unit_admin',
    start: manager || holder,
    escalate: leader,
    respond:
      v.role === 'unit_admin' && escalations.some((e) => e.unit_id === v.unitId && !e.responded_at),
    resolve: manager || holder,
    return: manager || holder,
    callback: manager,
    reopen: manager,
    supervise: leader && !t.supervised,
    close: manager,
  };
  return (Object.keys(BY_STATE) as ActionType[]).filter((a) => who[a] && BY_STATE[a].includes(state as ActionType));
}

export function thumbnailUrl(id: number): string {
  return `/api/v1/attachments/${id}/thumbnail`;
}
export function attachmentUrl(id: number): string {
  return `/api/v1/attachments/${id}`;
}
