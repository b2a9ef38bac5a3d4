// GET /api/v1/web-config: what the pages need to know of the server's settings. Maps use its optional tile URL
// (none by default: county networks are often offline, so maps draw the grids' outlines only) and the datum of
// those tiles (GCJ-02 for AMap or Tencent tiles: the WGS-84 shapes are shifted onto them, src/shared/datum.ts).
import { raw } from './api';

interface WebConfig {
  tile_url?: string;
  tile_coord_sys?: string;
}

let config: Promise<WebConfig> | null = null;

function load(): Promise<WebConfig> {
  config ??= raw('/api/v1/web-config')
    .then((r) => r.json() as Promise<WebConfig>)
    .catch(() => ({}));
  return config;
}

/** The tile URL template, or undefined when the server has none (or cannot be asked). Asked once per page. */
export async function tileUrl(): Promise<string | undefined> {
  return (await load()).tile_url || undefined;
}

/** The datum of the tiles: 'gcj02' only when tiles are served and the server says they are GCJ-02. */
export async function tileDatum(): Promise<'wgs84' | 'gcj02'> {
  const c = await load();
  return c.tile_url && c.tile_coord_sys === 'gcj02' ? 'gcj02' : 'wgs84';
}
