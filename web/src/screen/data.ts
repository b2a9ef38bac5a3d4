// Where the screen's figures come from: one small function per source, so a source can be switched to a better
// endpoint (GET /api/v1/tickets/counts, grid GeoJSON with rates, a rates trend series) without touching a panel.
// Every function answers plain objects the panels draw; errors are ApiError (src/shared/api.ts).
import { ApiError, api, ok, raw } from '@/shared/api';
import type { components } from '@/shared/api-types';
import { openStream, type StreamHandle } from '@/shared/sse';
import { addDays, beijingDate, ratesOf, type RateKey, type Rates } from './format';

type Schemas = components['schemas'];
type OrgNode = Schemas['OrgNode'];
type RankingItem = Schemas['StatsRankingItem'];
type Ticket = Schemas['Ticket'];

/** A node with its figures for the current month. */
export interface NodeFigures {
  id: number;
  name: string;
  kind: string;
  rates: Rates;
  /** Each rate's numerator and denominator (resolved / demands …), for labels where the base is small. */
  base: Record<RateKey, [number, number]>;
  score: number | null;
  demands: number;
  open: number;
}

export interface Area {
  id: number;
  name: string;
  parentId: number | null;
  center: [number, number] | null;
  geometry: GeoJSON.Geometry | null;
}

export interface Shapes {
  /** Communities: outlined and labelled with their rate (filled only when they have no grid shapes). */
  areas: Area[];
  /** Grids: each filled by its own figure of the rate on the map (figures from gridFigures). */
  outlines: Area[];
  /** Every node seen, for naming a ticket's community: id → node. */
  index: Map<number, Area & { kind: string }>;
}

export interface TrendPoint extends Rates {
  day: string;
}

export interface OpenCounts {
  open: number;
  overdue: number;
  supervised: number;
  today: number;
}

export interface Staffing {
  communities: number;
  meetingNorm: number;
  residents: number;
  workers: number;
  required: number;
  shortfall: number;
  gridWorkersFullTime: number;
  gridWorkersPartTime: number;
  grids: number;
  /** Communities short of the norm, largest shortfall first. */
  short: { name: string; shortfall: number }[];
}

export interface FeedItem {
  ticketId: number;
  number: string;
  at: string;
  community: string;
  category: string;
  text: string;
  /** When the screen learned of it (ms since the epoch); 0 for tickets loaded in a refresh. */
  receivedAt: number;
}

/** A grid's visit coverage this week and its open care alerts (GET /api/v1/care/map). */
export interface GridCare {
  id: number;
  name: string;
  communityId: number | null;
  households: number;
  seenWeek: number;
  /** Share of the households seen this week; null for a grid without households. */
  share: number | null;
  alerts: number;
}

export interface CareLayer {
  grids: Map<number, GridCare>;
  /** Open alerts in scope (no names: the wall is public). */
  alerts: number;
  truncated: boolean;
}

const today = () => beijingDate(new Date());

function figures(item: RankingItem | Schemas['StatsFigures']): NodeFigures {
  return {
    id: item.node.id,
    name: item.node.name,
    kind: item.node.kind,
    rates: ratesOf(item.rates),
    base: {
      response: [item.counts.responded_on_time, item.counts.demands],
      completion: [item.counts.resolved, item.counts.demands],
      satisfaction: [item.counts.satisfied, item.counts.rated],
    },
    score: item.score ?? null,
    demands: item.counts.demands,
    open: item.counts.open,
  };
}

/** The scope's figures for the current month (the three rates, big). */
export async function scopeFigures(): Promise<NodeFigures> {
  return figures(await ok(api.GET('/api/v1/stats/rates', {})));
}

/**
 * The three rates per day over the `days` days before today (Beijing time), from the daily rollups in one request.
 * Today is left out: its tickets are hours old, so its rates would read as a plunge on every morning's screen. A day
 * without a base (no demands, or none rated) has a null rate: the chart leaves a gap there.
 */
export async function rateTrend(days = 14): Promise<TrendPoint[]> {
  const to = addDays(today(), -1);
  const r = await ok(
    api.GET('/api/v1/stats/rates/trend', { params: { query: { granularity: 'day', days, to } } }),
  );
  return r.items.map((d) => ({ day: d.day ?? '', ...ratesOf(d.rates) }));
}

/** The current month's ranking of a node's children (the scope's when parentId is absent), best first. */
export async function ranking(parentId?: number): Promise<NodeFigures[]> {
  const query = parentId ? { parent_id: parentId } : {};
  const r = await ok(api.GET('/api/v1/stats/rankings', { params: { query } }));
  return r.items.map(figures);
}

async function allNodes(kind: 'street' | 'community' | 'grid'): Promise<OrgNode[]> {
  const out: OrgNode[] = [];
  let after = 0;
  for (let page = 0; page < 40; page += 1) {
    const r = await ok(api.GET('/api/v1/org-nodes', { params: { query: { kind, limit: 500, after } } }));
    out.push(...r.items);
    if (r.next_after === null || r.next_after === undefined) break;
    after = r.next_after;
  }
  return out;
}

function area(n: OrgNode): Area & { kind: string } {
  const c = n.center as number[] | null | undefined;
  return {
    id: n.id,
    name: n.name,
    kind: n.kind,
    parentId: n.parent_id ?? null,
    center: c && c.length === 2 ? [c[0], c[1]] : null,
    geometry: (n.geometry as GeoJSON.Geometry | null | undefined) ?? null,
  };
}

/**
 * The map's shapes: communities (outlined and labelled) and grids (filled), from the org tree. Fetched once per
 * screen; the grids' figures come each refresh from gridFigures().
 */
export async function mapShapes(): Promise<Shapes> {
  const [streets, communities, grids] = await Promise.all([allNodes('street'), allNodes('community'), allNodes('grid')]);
  const index = new Map<number, Area & { kind: string }>();
  for (const n of [...streets, ...communities, ...grids]) index.set(n.id, area(n));
  return {
    areas: communities.map(area),
    outlines: grids.filter((g) => g.geometry).map(area),
    index,
  };
}

/**
 * This month's figures of every community on the map, from the rankings of their parents (one request per
 * street); a parent outside the caller's scope falls back to the community's own figures.
 */
export async function areaFigures(areas: Area[]): Promise<Map<number, NodeFigures>> {
  const wanted = new Set(areas.map((a) => a.id));
  const parents = [...new Set(areas.map((a) => a.parentId).filter((p): p is number => p !== null))];
  const out = new Map<number, NodeFigures>();
  const missing: number[] = [];
  await Promise.all(
    parents.map(async (p) => {
      try {
        for (const f of await ranking(p)) if (wanted.has(f.id)) out.set(f.id, f);
      } catch {
        missing.push(...areas.filter((a) => a.parentId === p).map((a) => a.id));
      }
    }),
  );
  await Promise.all(
    missing.map(async (id) => {
      out.set(id, figures(await ok(api.GET('/api/v1/stats/rates', { params: { query: { node_id: id } } }))));
    }),
  );
  return out;
}

interface GridFeature {
  id: number;
  properties: {
    id: number;
    name: string;
    open: number;
    demands?: number;
    resolved?: number;
    response_rate?: number | null;
    resolution_rate?: number | null;
    satisfaction_rate?: number | null;
    score?: number | null;
  };
}

/**
 * This month's figures of every grid under the scope node, in one read (GET /org-nodes/{id}/grids.geojson with the
 * rates): what the map fills the grids with. The answer carries only resolved / demands among the bases.
 */
export async function gridFigures(scopeId: number): Promise<Map<number, NodeFigures>> {
  const res = await raw(`/api/v1/org-nodes/${scopeId}/grids.geojson?rates=all`);
  const fc = (await res.json()) as { features: GridFeature[] };
  const out = new Map<number, NodeFigures>();
  for (const f of fc.features) {
    const p = f.properties;
    const demands = p.demands ?? 0;
    out.set(p.id, {
      id: p.id,
      name: p.name,
      kind: 'grid',
      rates: ratesOf({ response_rate: p.response_rate, resolution_rate: p.resolution_rate, satisfaction_rate: p.satisfaction_rate }),
      base: { response: [0, 0], completion: [p.resolved ?? 0, demands], satisfaction: [0, 0] },
      score: p.score ?? null,
      demands,
      open: p.open,
    });
  }
  return out;
}

/**
 * Open care alerts (云监护) and the week's visit coverage per grid, in one read. A screen account that may not read
 * people's data (403) gets no layer rather than a failing screen.
 */
export async function careLayer(): Promise<CareLayer | null> {
  let r;
  try {
    r = await ok(api.GET('/api/v1/care/map', { params: { query: { limit: 500 } } }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return null;
    throw e;
  }
  const grids = new Map<number, GridCare>();
  for (const g of r.grids) {
    grids.set(g.grid_id, {
      id: g.grid_id,
      name: g.name,
      communityId: g.community_id ?? null,
      households: g.households,
      seenWeek: g.seen_week,
      share: g.households > 0 ? g.seen_week / g.households : null,
      alerts: g.open_alerts,
    });
  }
  return { grids, alerts: r.alerts.length, truncated: r.truncated };
}

/**
 * Open tickets in the scope: open, overdue and supervised over every ticket of the last five years, and those
 * filed today. Replace by GET /api/v1/tickets/counts once it is served.
 */
export async function openCounts(): Promise<OpenCounts> {
  const to = today();
  const [all, day] = await Promise.all([
    ok(api.GET('/api/v1/stats/rates', { params: { query: { from: addDays(to, -1825), to } } })),
    ok(api.GET('/api/v1/stats/rates', { params: { query: { from: to, to } } })),
  ]);
  return { open: all.counts.open, overdue: all.counts.overdue_any, supervised: all.counts.supervised, today: day.counts.received };
}

/** Staffing against the norm (每万名居民 18 名社区工作者), summed over the scope's communities. */
export async function staffing(): Promise<Staffing> {
  const rows = (await ok(api.GET('/api/v1/staffing', {}))).items;
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0);
  return {
    communities: rows.length,
    meetingNorm: rows.filter((r) => r.shortfall === 0).length,
    residents: sum((r) => r.residents),
    workers: sum((r) => r.community_workers),
    required: sum((r) => r.required),
    shortfall: sum((r) => r.shortfall),
    gridWorkersFullTime: sum((r) => r.grid_workers_full_time),
    gridWorkersPartTime: sum((r) => r.grid_workers_part_time),
    grids: sum((r) => r.grids),
    short: rows
      .filter((r) => r.shortfall > 0)
      .sort((a, b) => b.shortfall - a.shortfall)
      .slice(0, 3)
      .map((r) => ({ name: r.community_name, shortfall: r.shortfall })),
  };
}

/** The community a node lies in (a grid's parent, a building's grandparent …), by name. */
export function communityOf(nodeId: number | undefined, index: Shapes['index'], fallback = ''): string {
  let node = nodeId === undefined ? undefined : index.get(nodeId);
  for (let depth = 0; node && depth < 6; depth += 1) {
    if (node.kind === 'community') return node.name;
    node = node.parentId === null ? undefined : index.get(node.parentId);
  }
  return fallback;
}

/**
 * A feed line. The wall is seen by passers-by: a care alert's text names an elder living alone and
 * their room, so an alert shows its category only, never its text (maskText hides digits, not names).
 */
export function feedItem(t: Ticket, index: Shapes['index'], receivedAt = 0): FeedItem {
  return {
    ticketId: t.id ?? 0,
    number: t.number ?? '',
    at: t.created_at ?? '',
    community: communityOf(t.node_id, index, t.node_name ?? ''),
    category: t.category_name ?? '',
    text: t.kind === 'alert' ? '' : t.description || t.title || '',
    receivedAt,
  };
}

/** One ticket, for a feed line. */
export async function ticket(id: number): Promise<Ticket> {
  return ok(api.GET('/api/v1/tickets/{id}', { params: { path: { id } } } as never)) as Promise<Ticket>;
}

/** The newest `n` tickets, newest first: the list is in id order, so look back over growing windows. */
export async function newestTickets(n: number): Promise<Ticket[]> {
  let found: Ticket[] = [];
  for (const hours of [2, 24, 24 * 7, 24 * 31]) {
    const from = new Date(Date.now() - hours * 3600_000).toISOString();
    found = [];
    let after = 0;
    for (let page = 0; page < 20; page += 1) {
      const r = await ok(api.GET('/api/v1/tickets', { params: { query: { created_from: from, limit: 500, after } } }));
      found.push(...(r.items ?? []));
      if (r.next_after === null || r.next_after === undefined) break;
      after = r.next_after;
    }
    if (found.length >= n) break;
  }
  return found.slice(-n).reverse();
}

export interface TicketEvent {
  id: number;
  ticket_id: number;
  type: string;
  state_after?: string;
  at?: string;
}

/** The live stream of ticket events (EventSource reconnects; src/shared/sse.ts reopens it when refused). */
export function ticketStream(onEvent: (e: TicketEvent) => void, onState: (connected: boolean) => void): StreamHandle {
  return openStream(
    '/api/v1/tickets/stream',
    (_type, data) => {
      if (data && typeof data === 'object' && 'ticket_id' in data) onEvent(data as TicketEvent);
    },
    onState,
    ['ticket'],
  );
}
