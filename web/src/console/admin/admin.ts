// Reads and writes for the administration pages (org, people, imports, stats, accounts, categories, audit).
// Routes other helpers are adding are called here only, behind `features`, so the pages work before and after
// those branches are merged.
import { api, ok, raw } from '@/shared/api';
import type { components } from '@/shared/api-types';

export type OrgNode = components['schemas']['OrgNode'];
export type OrgKind = components['schemas']['OrgKind'];
export type StaffingRow = components['schemas']['StaffingRow'];
export type Resident = components['schemas']['Resident'];
export type ResidentPii = components['schemas']['ResidentPii'];
export type ResidentFlag = components['schemas']['ResidentFlag'];
export type PartyMember = components['schemas']['PartyMember'];
export type Unit = components['schemas']['Unit'];
export type Staff = components['schemas']['Staff'];
export type StaffKind = components['schemas']['StaffKind'];
export type AuditEntry = components['schemas']['AuditEntry'];
export type ImportReport = components['schemas']['ImportReport'];
export type ImportIssue = components['schemas']['ImportIssue'];
export type StatsFigures = components['schemas']['StatsFigures'];
export type StatsRanking = components['schemas']['StatsRanking'];
export type StatsRankingItem = components['schemas']['StatsRankingItem'];
export type Category = components['schemas']['Category'];
export type CategoryChange = components['schemas']['CategoryChange'];
export type Role = components['schemas']['Role'];
export type NewAccount = components['schemas']['NewAccount'];

/** Switches for routes on other branches; turn on once they are in docs/openapi.json. */
export const features = {
  /** web-api: GET /api/v1/accounts, PATCH /api/v1/accounts/{id}, POST /api/v1/accounts/{id}/password-reset. */
  accounts: true,
  /** web-data: GET /api/v1/audit?action=… (until then the list is filtered in the browser as well). */
  auditAction: true,
  /** web-data: GET /api/v1/exports/rates.csv?node_id=&month= (until then the page builds the CSV from the ranking). */
  ratesCsv: true,
};

export const FLAGS: ResidentFlag[] = [
  'elder_alone', 'disabled', 'low_income', 'veteran', 'left_behind_child', 'seriously_ill',
];
export const STAFF_KINDS: StaffKind[] = ['grid_worker', 'community_worker', 'building_chief', 'street_chief'];
export const ROLES: Role[] = [
  'county_admin', 'street_admin', 'community_secretary', 'community_worker', 'grid_worker', 'unit_admin',
  'party_member', 'resident',
];
/** Kinds whose children the org tree does not open (buildings are many and have no map of their own). */
export const LEAF_KINDS: OrgKind[] = ['grid', 'building', 'compound', 'back_street'];

export interface Page<T> {
  items: T[];
  next_after: number | null;
}

function page<T>(p: { items?: T[]; next_after?: number | null }): Page<T> {
  return { items: p.items ?? [], next_after: p.next_after ?? null };
}

/** Drops empty values so they are not sent as `?x=`. */
function clean<T extends Record<string, unknown>>(q: T): T {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== '' && v !== null)) as T;
}

// ---- org tree ----

export const getNode = (id: number) => ok(api.GET('/api/v1/org-nodes/{id}', { params: { path: { id } } }));

/** Every node matching the query (pages of 500 until the end, at most `max`). */
export async function allNodes(
  query: { parent_id?: number; within?: number; kind?: OrgKind },
  max = 5000,
): Promise<OrgNode[]> {
  const out: OrgNode[] = [];
  let after: number | undefined;
  for (;;) {
    const p = await ok(
      api.GET('/api/v1/org-nodes', { params: { query: clean({ ...query, limit: 500, after }) } }),
    );
    out.push(...(p.items ?? []));
    if (!p.next_after || out.length >= max) return out;
    after = p.next_after;
  }
}

export const staffingOf = (id: number) =>
  ok(api.GET('/api/v1/org-nodes/{id}/staffing', { params: { path: { id } } })).then((r) => r.items ?? []);
export const staffingOfScope = () => ok(api.GET('/api/v1/staffing', {})).then((r) => r.items ?? []);

/** Streets and communities in the caller's scope, for pickers (the scope node first). */
let pickable: Promise<OrgNode[]> | undefined;
export function pickableNodes(scopeId: number): Promise<OrgNode[]> {
  pickable ??= Promise.all([
    getNode(scopeId),
    allNodes({ within: scopeId, kind: 'street' }),
    allNodes({ within: scopeId, kind: 'community' }),
  ]).then(([scope, streets, communities]) => {
    const seen = new Set<number>();
    return [scope, ...streets, ...communities].filter((n) => !seen.has(n.id) && seen.add(n.id));
  });
  pickable.catch(() => (pickable = undefined));
  return pickable;
}

export { tileUrl } from '@/shared/web-config';

// ---- people ----

export interface ResidentFilter {
  within?: number;
  flag?: ResidentFlag;
  phone?: string;
  id_number?: string;
}

export async function listResidents(f: ResidentFilter, after?: number, limit = 30) {
  return page(await ok(api.GET('/api/v1/residents', { params: { query: clean({ ...f, after, limit }) } })));
}
export const getResident = (id: number) => ok(api.GET('/api/v1/residents/{id}', { params: { path: { id } } }));

/** The audited reveal: the reason the person gives is kept in the audit entry. */
export async function revealResident(id: number, reason: string): Promise<ResidentPii> {
  return ok(api.GET('/api/v1/residents/{id}/pii', { params: { path: { id }, query: { reason } } }));
}

export async function listPartyMembers(f: { within?: number; skill?: string }, after?: number, limit = 30) {
  return page(await ok(api.GET('/api/v1/party-members', { params: { query: clean({ ...f, after, limit }) } })));
}
export async function listUnits(f: { paired_with?: number }, after?: number, limit = 30) {
  return page(await ok(api.GET('/api/v1/units', { params: { query: clean({ ...f, after, limit }) } })));
}
export async function listStaff(f: { within?: number; kind?: StaffKind }, after?: number, limit = 30) {
  return page(await ok(api.GET('/api/v1/staff', { params: { query: clean({ ...f, after, limit }) } })));
}

// ---- audit ----

/** One page of the audit log (ascending seq). `action` goes to the server once web-data's filter is merged. */
export async function listAudit(after?: number, action?: string, limit = 500): Promise<Page<AuditEntry>> {
  if (features.auditAction && action) {
    // Older servers ignore the unknown parameter; the page filters what comes back as well.
    const q = new URLSearchParams(clean({ after: after ? String(after) : '', limit: String(limit), action }));
    const res = await raw(`/api/v1/audit?${q}`);
    return page((await res.json()) as Page<AuditEntry>);
  }
  return page(await ok(api.GET('/api/v1/audit', { params: { query: clean({ after, limit }) } })));
}

// ---- imports ----

export const IMPORT_KINDS = ['residents', 'party-members', 'units'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportOutcome {
  report?: ImportReport;
  /** A whole-file error (encoding, missing column, quoting) with no report. */
  error?: { code: string; message: string; field?: string };
  status: number;
}

/** Sends the file as it is (the server detects UTF-8 / GBK); a 422 carries the row-by-row report. */
export async function importCsv(kind: ImportKind, file: Blob): Promise<ImportOutcome> {
  const path = `/api/v1/imports/${kind}` as '/api/v1/imports/residents';
  const res = await api.POST(path, {
    body: file as never,
    bodySerializer: (b: unknown) => b as BodyInit,
    headers: { 'Content-Type': 'text/csv' },
  });
  const status = res.response.status;
  if (res.response.ok) return { report: res.data as ImportReport, status };
  const body = res.error as { error?: ImportOutcome['error']; report?: ImportReport } | undefined;
  return { report: body?.report, error: body?.error ?? { code: `http_${status}`, message: '' }, status };
}

// ---- stats ----

/** The server's rankings CSV (web-data), as a file to save. */
export async function ratesCsv(nodeId: number | undefined, month: string): Promise<Blob> {
  const q = new URLSearchParams(clean({ node_id: nodeId ? String(nodeId) : '', month }));
  return (await raw(`/api/v1/exports/rates.csv?${q}`)).blob();
}

export const getRates = (query: { node_id?: number; from?: string; to?: string }) =>
  ok(api.GET('/api/v1/stats/rates', { params: { query: clean(query) } }));
export const getTrend = (query: { node_id?: number; month?: string; months?: number }) =>
  ok(api.GET('/api/v1/stats/rates/trend', { params: { query: clean(query) } }));
export const getRankings = (query: { parent_id?: number; month?: string }) =>
  ok(api.GET('/api/v1/stats/rankings', { params: { query: clean(query) } }));

// ---- categories ----

export const listCategories = () =>
  ok(api.GET('/api/v1/categories', { params: { query: { include_inactive: true } } })).then((r) => r.items ?? []);
export const patchCategory = (id: number, body: CategoryChange) =>
  ok(api.PATCH('/api/v1/categories/{id}', { params: { path: { id } }, body }));

// ---- accounts (list, disable and reset are web-api's routes; shapes copied from its docs/openapi.json) ----

export interface Account {
  id: number;
  username: string;
  display_name: string;
  role: Role;
  scope: { node_id: number; name: string; kind: OrgKind };
  disabled: boolean;
  must_change_password: boolean;
  phone_masked?: string | null;
  version: number;
  created_at?: string;
}

export interface AccountFilter {
  role?: Role;
  disabled?: boolean;
  q?: string;
  within?: number;
}

export async function listAccounts(f: AccountFilter, after?: number, limit = 50): Promise<Page<Account>> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(clean({ ...f, after, limit }))) q.set(k, String(v));
  const res = await raw(`/api/v1/accounts?${q}`);
  return page((await res.json()) as Page<Account>);
}

export const createAccount = (body: NewAccount) => ok(api.POST('/api/v1/accounts', { body }));

export async function setDisabled(a: Account, disabled: boolean): Promise<Account> {
  const res = await raw(`/api/v1/accounts/${a.id}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ disabled, version: a.version }),
  });
  return (await res.json()) as Account;
}

export async function resetPassword(id: number): Promise<{ id: number; temporary_password: string }> {
  const res = await raw(`/api/v1/accounts/${id}/password-reset`, { method: 'POST' });
  return (await res.json()) as { id: number; temporary_password: string };
}

// ---- formatting ----

export function percent(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`;
}

/** A CSV file people open in Excel: UTF-8 with BOM, CRLF, quoted where needed. */
export function toCsv(rows: (string | number | null | undefined)[][]): string {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

export function download(name: string, content: string | Blob, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(typeof content === 'string' ? new Blob([content], { type }) : content);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Parses CSV text (RFC 4180) into records with the physical line each starts on (for marking report rows). */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const endRecord = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0] !== '') out.push({ line: start, cells });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else cell += c;
  }
  if (cell !== '' || cells.length) endRecord();
  return out;
}

/** Decodes an uploaded CSV as the server does: UTF-8 (with or without BOM), else GB18030. */
export function decodeCsv(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}
