// Reads and writes of the 服务圈与经费 page (docs/coverage.md): the 15-minute circle, staffing, community funds.
import { api, ok } from '@/shared/api';
import type { components, paths } from '@/shared/api-types';

export type CoverageReport = components['schemas']['CoverageReport'];
export type CoverageRow = components['schemas']['CoverageRow'];
export type OutsideBuilding = components['schemas']['OutsideBuilding'];
export type FundAccount = components['schemas']['FundAccount'];
export type FundEntry = components['schemas']['FundEntry'];
export type StaffingRow = components['schemas']['StaffingReport']['items'][number];
export type CoverageCenter = CoverageReport['centers'][number];

export const FUNDS = ['work', 'service'] as const;
export type FundName = (typeof FUNDS)[number];

export async function coverage(): Promise<CoverageReport> {
  return await ok(api.GET('/api/v1/coverage', {}));
}

/** The buildings outside every circle, up to `max` (pages of 500 in id order). */
export async function outsideBuildings(max = 2000): Promise<OutsideBuilding[]> {
  const out: OutsideBuilding[] = [];
  let after: number | undefined;
  while (out.length < max) {
    const page = await ok(api.GET('/api/v1/coverage/outside', { params: { query: after ? { after, limit: 500 } : { limit: 500 } } }));
    out.push(...page.items);
    if (page.next_after == null) break;
    after = page.next_after;
  }
  return out;
}

export async function staffing(): Promise<StaffingRow[]> {
  return (await ok(api.GET('/api/v1/staffing', {}))).items ?? [];
}

export async function funds(year: number): Promise<{ items: FundAccount[]; categories: SpendCategory[] }> {
  const r = await ok(api.GET('/api/v1/funds', { params: { query: { year } } }));
  return { items: r.items ?? [], categories: r.categories ?? [] };
}

export async function allocateDefaults(year: number) {
  return await ok(api.POST('/api/v1/funds/default-allocations', { body: { year } }));
}

export async function allocate(body: { community_id: number; fund: FundName; year: number; amount_fen: number; memo: string }) {
  return await ok(api.POST('/api/v1/funds/allocations', { body }));
}

export type NewSpending = NonNullable<paths['/api/v1/funds/spendings']['post']['requestBody']>['content']['application/json'];
export type SpendCategory = NewSpending['category'];

export async function spend(body: NewSpending): Promise<FundEntry> {
  return await ok(api.POST('/api/v1/funds/spendings', { body }));
}

export async function reverse(id: number, memo: string): Promise<FundEntry> {
  return await ok(api.POST('/api/v1/funds/entries/{id}/reversal', { params: { path: { id } }, body: { memo } }));
}

export async function statement(community_id: number, fund: FundName, year: number) {
  return await ok(api.GET('/api/v1/funds/statement', { params: { query: { community_id, fund, year, limit: 200 } } }));
}

/** 12345678 fen → "123,456.78". */
export function yuan(fen: number | undefined | null): string {
  const v = (fen ?? 0) / 100;
  return v.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** "1,234.5" yuan → 123450 fen; NaN when it is not an amount. */
export function toFen(text: string): number {
  const clean = text.replace(/[,\s，]/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return NaN;
  return Math.round(Number(clean) * 100);
}

/** The current year in Asia/Shanghai. */
export function thisYear(now = new Date()): number {
  return Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(now));
}
