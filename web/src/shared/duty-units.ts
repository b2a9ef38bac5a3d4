// 双报到 for units and the county (docs/duty.md): posts, the skill taxonomy, functional branches, cancelling
// activities and disbanding teams, members' notices and the quarterly service card (一单一表一卡).
// Routes already in docs/openapi.json go through the typed client; the rest (issue 9's server half, branch
// duty-api) go through `raw` with the types below until their OpenAPI entries are merged, then move to `api`.
import { api, ok, raw } from './api';
import type { components } from './api-types';

export type DutyPost = components['schemas']['DutyPost'];
export type DutyUnitRegistration = components['schemas']['DutyUnitRegistration'];
export type DutyTeam = components['schemas']['DutyTeam'];
export type DutyProfile = components['schemas']['DutyProfile'];
export type DutySlot = components['schemas']['DutySlot'];

export interface DutyNotice {
  id: number;
  member_id?: number;
  activity_id?: number | null;
  kind: string;
  text: string;
  created_at: string;
}

export interface ServiceCard {
  member_id: number;
  name: string;
  unit_id?: number | null;
  unit_name?: string;
  community_id?: number | null;
  community_name?: string;
  registered_on?: string;
  posts?: string[];
  activities: number;
  no_shows: number;
  minutes: number;
  points: number;
  tickets: number;
}

const json = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const headers = init.body ? { 'content-type': 'application/json' } : undefined;
  const res = await raw(path, { ...init, headers });
  return (res.status === 204 ? null : await res.json()) as T;
};
const send = <T>(method: string, path: string, body?: unknown) =>
  json<T>(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
const items = <T>(page: { items?: T[] } | T[] | null): T[] => (Array.isArray(page) ? page : (page?.items ?? []));

// ---- the member's own profile (routes in openapi) ----

export const getProfile = (id: number) =>
  ok(api.GET('/api/v1/duty/members/{id}/profile', { params: { path: { id } } }));
export const putProfile = (id: number, skill_ids: number[], availability: DutySlot[]) =>
  ok(api.PUT('/api/v1/duty/members/{id}/profile', { params: { path: { id } }, body: { skill_ids, availability } }));

// ---- the skill taxonomy ----

export const createSkill = (name: string) => ok(api.POST('/api/v1/duty/skills', { body: { name } }));
export const updateSkill = (id: number, change: { name?: string; retired?: boolean }) =>
  send<components['schemas']['DutySkill']>('PATCH', `/api/v1/duty/skills/${id}`, change);

// ---- units: registrations with communities, posts ----

export const unitRegistrations = (unit_id?: number) =>
  ok(api.GET('/api/v1/duty/unit-registrations', { params: { query: unit_id ? { unit_id } : {} } })).then(
    (r) => r.items,
  );
export const listPosts = (registration: number) =>
  json<{ items: DutyPost[] } | DutyPost[]>(`/api/v1/duty/unit-registrations/${registration}/posts`).then(items);
export const createPost = (registration: number, body: { title: string; skill_id: number; headcount: number }) =>
  ok(api.POST('/api/v1/duty/unit-registrations/{id}/posts', { params: { path: { id: registration } }, body }));
export const fillPost = (post: number, member_id: number) =>
  ok(api.POST('/api/v1/duty/posts/{id}/members', { params: { path: { id: post } }, body: { member_id } }));
export const leavePost = (post: number, member: number) =>
  send<DutyPost | null>('DELETE', `/api/v1/duty/posts/${post}/members/${member}`);

// ---- functional branches (功能型党支部) ----

export const branchMembers = (branch: number) =>
  json<{ member_ids?: number[]; items?: { member_id?: number; id?: number; name?: string }[] }>(
    `/api/v1/duty/branches/${branch}/members`,
  ).then((r) => r?.items?.map((m) => ({ id: m.member_id ?? m.id ?? 0, name: m.name ?? '' })) ??
    (r?.member_ids ?? []).map((id) => ({ id, name: '' })));
export const addBranchMember = (branch: number, member_id: number) =>
  ok(api.POST('/api/v1/duty/branches/{id}/members', { params: { path: { id: branch } }, body: { member_id } }));
export const removeBranchMember = (branch: number, member: number) =>
  send<unknown>('DELETE', `/api/v1/duty/branches/${branch}/members/${member}`);

// ---- teams and activities ----

export const listTeams = () =>
  ok(api.GET('/api/v1/duty/teams', { params: { query: { limit: 200 } } })).then((r) => r.items);
export const cancelActivity = (id: number) => send<unknown>('POST', `/api/v1/duty/activities/${id}/cancel`, {});
export const disbandTeam = (id: number) => send<unknown>('POST', `/api/v1/duty/teams/${id}/disband`, {});
export const removeTeamMember = (team: number, member: number) =>
  send<unknown>('DELETE', `/api/v1/duty/teams/${team}/members/${member}`);

// ---- notices and the service card ----

export const myNotices = () =>
  json<{ items: DutyNotice[] }>('/api/v1/duty/notices?limit=200').then(items);

/** "2026Q3" for a month of the county's calendar (shared/when.ts countyMonth; month 1–12), as the server
 *  counts quarters. */
export function quarterOf(m: { year: number; month: number }): string {
  return `${m.year}Q${Math.floor((m.month - 1) / 3) + 1}`;
}

export function cardQuery(quarter: string, unit_id?: number, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ quarter, ...extra });
  if (unit_id) q.set('unit_id', String(unit_id));
  return q.toString();
}

/** Every card of the quarter (of the unit when given), page by page in member order. */
export async function serviceCards(quarter: string, unit_id?: number): Promise<ServiceCard[]> {
  const out: ServiceCard[] = [];
  let after = '';
  do {
    const extra: Record<string, string> = after ? { limit: '500', after } : { limit: '500' };
    const page = await json<{ items: ServiceCard[]; next_after?: number | null }>(
      `/api/v1/duty/service-cards?${cardQuery(quarter, unit_id, extra)}`,
    );
    out.push(...page.items);
    after = page.next_after ? String(page.next_after) : '';
  } while (after && out.length < 50000);
  return out;
}

/** The unit's download: the same cards as CSV (UTF-8 with BOM) or XLSX. */
export const serviceCardExport = (format: 'csv' | 'xlsx', quarter: string, unit_id?: number) =>
  `/api/v1/exports/service-cards.${format}?${cardQuery(quarter, unit_id)}`;
