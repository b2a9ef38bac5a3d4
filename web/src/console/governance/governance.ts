// Compounds and the red, yellow and black lists (docs/governance.md): the calls the governance pages make.
import { api, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';

export type CompoundGovernance = components['schemas']['CompoundGovernance'];
export type StandingEntry = components['schemas']['StandingEntry'];
export type RankingPeriod = components['schemas']['RankingPeriod'];
export type CompoundStanding = components['schemas']['CompoundStanding'];
export type RaterGroup = components['schemas']['RaterGroup'];
export type Standing = components['schemas']['Standing'];
export type NewRankingPeriod = components['schemas']['NewRankingPeriod'];
export type CriterionScore = components['schemas']['CriterionScore'];
export type CompoundGovernanceUpdate = components['schemas']['CompoundGovernanceUpdate'];

export const GROUPS: RaterGroup[] = ['community', 'owners_committee', 'property_company', 'grid_workers'];
export const LISTS: Standing[] = ['red', 'yellow', 'black', 'unrated'];

/** Element Plus tag type of a list. */
export function standingTag(s: Standing | undefined): 'danger' | 'warning' | 'info' | 'success' {
  if (s === 'red') return 'danger';
  if (s === 'yellow') return 'warning';
  if (s === 'black') return 'info';
  return 'success';
}

/** The rater group the signed-in role scores for (owners' committee members are residents). */
export function groupForRole(role: string): RaterGroup | undefined {
  if (role === 'community_secretary' || role === 'community_worker') return 'community';
  if (role === 'grid_worker') return 'grid_workers';
  if (role === 'unit_admin') return 'property_company';
  if (role === 'resident' || role === 'party_member') return 'owners_committee';
  return undefined;
}

export const listCompounds = (after = 0, propertyUnitId?: number) =>
  ok(
    api.GET('/api/v1/compounds', {
      params: { query: { after, limit: 100, ...(propertyUnitId ? { property_unit_id: propertyUnitId } : {}) } },
    }),
  );
export const getCompound = (id: number) => ok(api.GET('/api/v1/compounds/{id}', { params: { path: { id } } }));
export const updateCompound = (id: number, body: CompoundGovernanceUpdate) =>
  ok(api.PUT('/api/v1/compounds/{id}/governance', { params: { path: { id } }, body }));
export const compoundHistory = (id: number) =>
  ok(api.GET('/api/v1/compounds/{id}/standings', { params: { path: { id } } })).then((r) => r.items ?? []);
export const listPeriods = () =>
  ok(api.GET('/api/v1/ranking-periods', { params: { query: { limit: 100 } } })).then((r) => r.items ?? []);
export const createPeriod = (body: NewRankingPeriod) => ok(api.POST('/api/v1/ranking-periods', { body }));
export const advancePeriod = (id: number, state: 'scoring' | 'published', version: number) =>
  ok(api.POST('/api/v1/ranking-periods/{id}/state', { params: { path: { id } }, body: { state, version } }));
export const listStandings = (id: number, list?: Standing, after = 0) =>
  ok(
    api.GET('/api/v1/ranking-periods/{id}/standings', {
      params: { path: { id }, query: { after, limit: 100, ...(list ? { list } : {}) } },
    }),
  );
export const submitSheet = (
  id: number,
  body: { compound_id: number; group: RaterGroup; scores: CriterionScore[]; note?: string },
) => ok(api.POST('/api/v1/ranking-periods/{id}/score-sheets', { params: { path: { id } }, body }));

/** 0.8523 → "85.2%"; null → "—". */
export function percent(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? '—' : `${(v * 100).toFixed(digits)}%`;
}
/** A 0–100 score with one decimal; null → "—". */
export function score(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : v.toFixed(1);
}
