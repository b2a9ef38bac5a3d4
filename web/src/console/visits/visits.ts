// Reads of the 走访 pages (docs/visits.md): coverage, the households not seen longest, a household's visits and the
// audited reveal of a visit's note.
import { api, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';

export type Visit = components['schemas']['Visit'];
export type Coverage = components['schemas']['VisitCoverage'];
export type CoverageRow = components['schemas']['VisitCoverageRow'];
export type StaleHousehold = components['schemas']['StaleHousehold'];

export async function coverage(within?: number): Promise<Coverage> {
  return ok(api.GET('/api/v1/visits/coverage', { params: { query: within ? { within } : {} } }));
}

/** One page of the households of a grid or community, not seen longest first. */
export async function staleHouseholds(within: number, cursor?: string | null, limit = 20): Promise<{ items: StaleHousehold[]; next: string | null }> {
  const query = cursor ? { within, cursor, limit } : { within, limit };
  const page = await ok(api.GET('/api/v1/visits/households', { params: { query } }));
  return { items: page.items, next: page.next ?? null };
}

/** A household's visits, newest first. */
export async function householdVisits(householdId: number, before?: number): Promise<{ items: Visit[]; next_after: number | null }> {
  const query = before ? { household_id: householdId, before, limit: 50 } : { household_id: householdId, limit: 50 };
  const page = await ok(api.GET('/api/v1/visits', { params: { query } }));
  return { items: page.items, next_after: page.next_after ?? null };
}

/** The note in clear; the server writes an audit entry first. */
export async function revealNote(id: number, reason: string): Promise<string> {
  return (await ok(api.GET('/api/v1/visits/{id}/note', { params: { path: { id }, query: { reason } } }))).note;
}

/** The share seen this week, 0..1 (a grid without households counts as covered). */
export function shareSeen(row: CoverageRow): number {
  return row.households ? row.seen_week / row.households : 1;
}
