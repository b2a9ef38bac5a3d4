// Map settings: grids' outlines (GeoJSON from the org tree, no tile server needed) and an optional tile URL from
// GET /api/v1/web-config (served by `civicgrid serve`; empty when the county network is offline).
import { api, ok } from '@/shared/api';

export { tileUrl } from '@/shared/web-config';

export interface GridShape {
  id: number;
  name: string;
  center: number[] | null;
  geometry: unknown;
}


let grids: Promise<GridShape[]> | null = null;

/** The grids the signed-in person can see (a resident: those of their community), with their outlines. */
export function gridShapes(): Promise<GridShape[]> {
  grids ??= (async () => {
    const out: GridShape[] = [];
    let after: number | undefined;
    for (let page = 0; page < 20; page += 1) {
      const res = await ok(api.GET('/api/v1/org-nodes', { params: { query: { kind: 'grid', limit: 500, after } } }));
      for (const n of res.items ?? []) out.push({ id: n.id, name: n.name, center: n.center ?? null, geometry: n.geometry });
      const next = (res as { next_after?: number | null }).next_after;
      if (!next) break;
      after = next;
    }
    return out;
  })().catch((e) => {
    grids = null;
    throw e;
  });
  return grids;
}
