// Pure helpers of the screen: which rate the URL asks for, how a rate and a time are written, which colour a
// rate gets on the map, and what of a ticket's text may be shown on a wall in a public room.

/** The three rates the screen shows, by their URL names. */
export const RATE_KEYS = ['response', 'completion', 'satisfaction'] as const;
export type RateKey = (typeof RATE_KEYS)[number];

/** The API's field for each rate (docs/rates.md). */
export const RATE_FIELD: Record<RateKey, 'response_rate' | 'resolution_rate' | 'satisfaction_rate'> = {
  response: 'response_rate',
  completion: 'resolution_rate',
  satisfaction: 'satisfaction_rate',
};

export interface Rates {
  response: number | null;
  completion: number | null;
  satisfaction: number | null;
}

/** Rates from an API `rates` object. */
export function ratesOf(api: Partial<Record<string, number | null | undefined>> | undefined): Rates {
  const pick = (k: RateKey) => {
    const v = api?.[RATE_FIELD[k]];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  return { response: pick('response'), completion: pick('completion'), satisfaction: pick('satisfaction') };
}

const ALIASES: Record<string, RateKey> = {
  response: 'response',
  response_rate: 'response',
  completion: 'completion',
  resolution: 'completion',
  resolution_rate: 'completion',
  satisfaction: 'satisfaction',
  satisfaction_rate: 'satisfaction',
};

/** The rate named by `?rate=` (URL name or API name); completion (办结率) when absent or unknown. */
export function rateFromQuery(search: string): RateKey {
  const value = new URLSearchParams(search).get('rate')?.trim().toLowerCase() ?? '';
  return ALIASES[value] ?? 'completion';
}

/**
 * Seconds between map rates when the map cycles through the three (`?rate=cycle`, or `?cycle=N` seconds with any
 * rate, 5–600); 0 when the map keeps the one rate.
 */
export function cycleFromQuery(search: string): number {
  const q = new URLSearchParams(search);
  const asked = Number(q.get('cycle'));
  if (Number.isFinite(asked) && asked > 0) return Math.min(600, Math.max(5, Math.round(asked)));
  return q.get('rate')?.trim().toLowerCase() === 'cycle' ? 20 : 0;
}

/** The rate after `rate` when cycling. */
export function nextRate(rate: RateKey): RateKey {
  return RATE_KEYS[(RATE_KEYS.indexOf(rate) + 1) % RATE_KEYS.length];
}

/** Seconds between refreshes from `?refresh=` (10–600), 45 by default. */
export function refreshFromQuery(search: string): number {
  const value = Number(new URLSearchParams(search).get('refresh'));
  if (!Number.isFinite(value) || value <= 0) return 45;
  return Math.min(600, Math.max(10, Math.round(value)));
}

/** 0.8695 → "87.0%"; null → "—". One decimal, as the rankings publish them. */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** 0.8695 → "87%": whole percents, for labels where space is short (the map). */
export function percentShort(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${Math.round(rate * 100)}%`;
}

/** Map colour bins, best first: lower bound of the bin and its colour (readable on the dark map). */
export const RATE_BINS: ReadonlyArray<{ min: number; color: string }> = [
  { min: 0.95, color: '#2fbf71' },
  { min: 0.9, color: '#8fd14f' },
  { min: 0.8, color: '#f2c94c' },
  { min: 0.6, color: '#f2994a' },
  { min: 0, color: '#eb5757' },
];
export const NO_DATA_COLOR = '#5b6b82';

export function rateColor(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return NO_DATA_COLOR;
  return (RATE_BINS.find((b) => rate >= b.min) ?? RATE_BINS[RATE_BINS.length - 1]).color;
}

/** Visit coverage bins (share of a grid's households seen this week), best first, in the rates' colours. */
export const COVERAGE_BINS: ReadonlyArray<{ min: number; color: string }> = [
  { min: 0.9, color: '#2fbf71' },
  { min: 0.7, color: '#8fd14f' },
  { min: 0.5, color: '#f2c94c' },
  { min: 0.3, color: '#f2994a' },
  { min: 0, color: '#eb5757' },
];

export function coverageColor(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return NO_DATA_COLOR;
  return (COVERAGE_BINS.find((b) => share >= b.min) ?? COVERAGE_BINS[COVERAGE_BINS.length - 1]).color;
}

/** Whether the map opens on the week's visit coverage (`?map=visits`) rather than a rate. */
export function visitsFromQuery(search: string): boolean {
  return new URLSearchParams(search).get('map')?.trim().toLowerCase() === 'visits';
}

const BEIJING = 'Asia/Shanghai';

/** The day in Beijing time of an instant, YYYY-MM-DD. */
export function beijingDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: BEIJING, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** YYYY-MM-DD plus n days (n may be negative). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** HH:mm in Beijing time. */
export function beijingTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat('en-GB', { timeZone: BEIJING, hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
}

/** "12-06" of a YYYY-MM-DD day, for chart axes. */
export function shortDay(day: string): string {
  return day.slice(5);
}

/**
 * What of a ticket's text may go on a wall: runs of digits that could be a phone or an ID number are masked
 * (138****5678), and the text is cut to `max` characters.
 */
export function maskText(text: string, max = 38): string {
  const masked = text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\d[\d -]{5,}\d[\dXx]?/g, (run) => {
      const digits = run.replace(/[ -]/g, '');
      if (digits.length < 7) return run;
      return `${digits.slice(0, 3)}****${digits.slice(-(digits.length >= 11 ? 4 : 2))}`;
    });
  const chars = Array.from(masked);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : masked;
}
