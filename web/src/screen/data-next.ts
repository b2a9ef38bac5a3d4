// A source of the screen on another endpoint, kept beside data.ts with the signature of the function it would
// replace: openCounts() → openCountsFromCounters() (GET /api/v1/tickets/counts, maintained counters), once the
// counters carry the supervised and today figures. Nothing imports this file yet; it is typechecked with the rest.
// (The trend and the grids' figures are served and used by data.ts: rateTrend(), gridFigures().)
import { raw } from '@/shared/api';
import type { OpenCounts } from './data';

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
