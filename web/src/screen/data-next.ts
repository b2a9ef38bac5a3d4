// The screen's sources on the endpoints the web-data branch adds (shapes from its docs/openapi.json), ready for
// when they are served: each has the signature of the function in data.ts it replaces. To switch, import the
// function from here in store.ts instead of from data.ts (and use the typed client once api-types.ts has them).
//   openCounts()  → openCountsFromCounters()  GET /api/v1/tickets/counts (maintained counters)
//   rateTrend()   → rateTrendMonthly()        GET /api/v1/stats/rates/trend (one row per month)
//   mapShapes() + areaFigures() → gridsWithRates()  GET /api/v1/org-nodes/{id}/grids.geojson?rates=all
// Until then nothing imports this file; it is typechecked with the rest.
import { raw } from '@/shared/api';
import type { Area, NodeFigures, OpenCounts, Shapes, TrendPoint } from './data';
import { ratesOf } from './format';

interface Counts {
  total: number;
  open: number;
  overdue: number;
  overdue_open: number;
}

/** Open tickets from the counters (supervised is not among them: taken from the stats as before). */
export async function openCountsFromCounters(previous: OpenCounts | null): Promise<OpenCounts> {
  const c = (await (await raw('/api/v1/tickets/counts')).json()) as Counts;
  return { open: c.open, overdue: c.overdue_open, supervised: previous?.supervised ?? 0, today: previous?.today ?? 0 };
}

interface TrendMonth {
  month: string;
  rates: Record<string, number | null>;
}

/** The three rates per month, the last `months` months (months settle; days keep moving). */
export async function rateTrendMonthly(months = 12): Promise<TrendPoint[]> {
  const r = (await (await raw(`/api/v1/stats/rates/trend?months=${months}`)).json()) as { items: TrendMonth[] };
  return r.items.map((m) => ({ day: m.month, ...ratesOf(m.rates) }));
}

interface GridFeature {
  id: number;
  geometry: Area['geometry'];
  properties: {
    id: number;
    name: string;
    community_id: number | null;
    community_name: string;
    center: [number, number] | null;
    open: number;
    demands?: number;
    resolved?: number;
    response_rate?: number | null;
    resolution_rate?: number | null;
    satisfaction_rate?: number | null;
  };
}

/** Grids with this month's rates: the map coloured by grid rather than by community. */
export async function gridsWithRates(scopeId: number): Promise<{ shapes: Shapes; figures: Map<number, NodeFigures> }> {
  const fc = (await (await raw(`/api/v1/org-nodes/${scopeId}/grids.geojson?rates=all`)).json()) as {
    features: GridFeature[];
  };
  const index: Shapes['index'] = new Map();
  const figures = new Map<number, NodeFigures>();
  const areas: Area[] = fc.features.map((f) => {
    const p = f.properties;
    const area = { id: p.id, name: p.name, parentId: p.community_id, center: p.center, geometry: f.geometry };
    index.set(p.id, { ...area, kind: 'grid' });
    if (p.community_id !== null && !index.has(p.community_id)) {
      index.set(p.community_id, { id: p.community_id, name: p.community_name, parentId: null, center: null, geometry: null, kind: 'community' });
    }
    const demands = p.demands ?? 0;
    figures.set(p.id, {
      id: p.id,
      name: p.name,
      kind: 'grid',
      rates: ratesOf({ response_rate: p.response_rate, resolution_rate: p.resolution_rate, satisfaction_rate: p.satisfaction_rate }),
      // The grid answer carries no on-time or rating counts: the bases of those rates are unknown here.
      base: { response: [0, 0], completion: [p.resolved ?? 0, demands], satisfaction: [0, 0] },
      score: null,
      demands,
      open: p.open,
    });
    return area;
  });
  return { shapes: { areas, outlines: [], index }, figures };
}
