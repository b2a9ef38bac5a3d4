// Times as people read them, in the county's zone (Asia/Shanghai) whatever zone the browser is in:
// a notice the server wrote says 15:06, and the list beside it must not say 07:06 on a laptop set
// to UTC. The language follows the page's (zh-CN by default, en).
import { i18n } from '@/shared/i18n';

export const COUNTY_ZONE = 'Asia/Shanghai';

function language(): string {
  const locale = (i18n.global.locale as unknown as { value: string }).value;
  return locale === 'en' ? 'en-GB' : 'zh-CN';
}

function parse(iso?: string | null): Date | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function format(d: Date, options: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(language(), { timeZone: COUNTY_ZONE, hourCycle: 'h23', ...options }).format(d);
}

/** "2026/12/09 15:06" (en: "09/12/2026, 15:06"); `empty` when absent or unreadable. */
export function formatWhen(iso?: string | null, empty = ''): string {
  const d = parse(iso);
  if (!d) return empty;
  return format(d, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** "12/9 15:06" for a phone's narrow rows (the year is this one's or the next). */
export function formatWhenShort(iso?: string | null, empty = ''): string {
  const d = parse(iso);
  if (!d) return empty;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: COUNTY_ZONE, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${Number(get('month'))}/${Number(get('day'))} ${get('hour')}:${get('minute')}`;
}

/** "2026/12/09" (en: "09/12/2026"): the day in the county. */
export function formatDay(iso?: string | null, empty = ''): string {
  const d = parse(iso);
  if (!d) return empty;
  return format(d, { year: 'numeric', month: '2-digit', day: '2-digit' });
}

/** The county's month holding `at` (default: now), month 1–12. */
export function countyMonth(at: Date = new Date()): { year: number; month: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: COUNTY_ZONE, year: 'numeric', month: '2-digit' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month') };
}

/** The instant the county's month `month` (1–12; 13 is next January, 0 last December) begins:
 *  Asia/Shanghai is UTC+8 all year (no summer time since 1991). */
export function countyMonthStart(year: number, month: number): Date {
  return new Date(Date.UTC(year, month - 1, 1) - 8 * 3600_000);
}
