// GET /api/v1/web-config: what the pages need to know of the server's settings. Maps use its optional tile URL
// (none by default: county networks are often offline, so maps draw the grids' outlines only).
import { raw } from './api';

let tiles: Promise<string | undefined> | null = null;

/** The tile URL template, or undefined when the server has none (or cannot be asked). Asked once per page. */
export function tileUrl(): Promise<string | undefined> {
  tiles ??= raw('/api/v1/web-config')
    .then((r) => r.json())
    .then((c: { tile_url?: string }) => c.tile_url || undefined)
    .catch(() => undefined);
  return tiles;
}
