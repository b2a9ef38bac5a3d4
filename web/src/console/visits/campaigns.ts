// 千户访 campaigns (docs/visits.md "Campaign"): the list with each cadre's progress, and creating one from the
// households of a grid not seen longest. Visitors are staff accounts: an admin lists them (GET /accounts); a
// secretary, who may not list accounts, picks among those who visited this month (the coverage's visitors).
import { ApiError, api, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';
import { listAccounts } from '../admin/admin';
import { coverage, staleHouseholds } from './visits';

export type Campaign = components['schemas']['VisitCampaign'];
export type NewCampaign = components['schemas']['NewVisitCampaign'];

export interface Visitor {
  id: number;
  name: string;
}

export async function listCampaigns(): Promise<Campaign[]> {
  return (await ok(api.GET('/api/v1/visit-campaigns', { params: { query: { limit: 100 } } }))).items;
}

export async function createCampaign(body: NewCampaign): Promise<Campaign> {
  return ok(api.POST('/api/v1/visit-campaigns', { body }));
}

const VISITOR_ROLES = ['grid_worker', 'community_worker', 'community_secretary'] as const;

/** Who may be assigned households: staff accounts in scope, else this month's visitors. */
export async function visitors(): Promise<Visitor[]> {
  try {
    const lists = await Promise.all(VISITOR_ROLES.map((role) => listAccounts({ role, disabled: false }, undefined, 500)));
    return lists.flatMap((p) => p.items).map((a) => ({ id: a.id ?? 0, name: a.display_name || a.username || '' }));
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 403) throw e;
    return (await coverage()).workers.map((w) => ({ id: w.id, name: w.name }));
  }
}

/** The ids of `count` households of a grid, not seen longest first. */
export async function householdsToVisit(gridId: number, count: number): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  while (ids.length < count) {
    const page = await staleHouseholds(gridId, cursor, Math.min(500, count - ids.length));
    ids.push(...page.items.map((h) => h.household_id));
    if (!page.next || page.items.length === 0) break;
    cursor = page.next;
  }
  return ids;
}

/** Share of a campaign's (or a cadre's) households visited in the window, 0..100. */
export function progress(visited: number, households: number): number {
  return households > 0 ? Math.round((visited / households) * 100) : 0;
}
