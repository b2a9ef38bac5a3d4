// Reads and writes of the 党组织生活 page (docs/partylife.md): branch meetings, the cadence report, warnings.
import { api, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';

export type PartyMeeting = components['schemas']['PartyMeeting'];
export type NewPartyMeeting = components['schemas']['NewPartyMeeting'];
export type CadenceReport = components['schemas']['PartyCadenceReport'];
export type PartyWarning = components['schemas']['PartyWarning'];
export type PartyOrg = components['schemas']['PartyOrg'];
export type PartyMember = components['schemas']['PartyMember'];

export const MEETING_KINDS = ['members_assembly', 'committee', 'group', 'lecture', 'theme_day', 'life_meeting', 'appraisal'] as const;

export interface Page<T> {
  items: T[];
  next_after: number | null;
}

/** One page of meetings in the caller's scope, newest first. */
export async function listMeetings(after?: number, limit = 50): Promise<Page<PartyMeeting>> {
  const query = after ? { after, limit } : { limit };
  return (await ok(api.GET('/api/v1/party-life/meetings', { params: { query } }))) as Page<PartyMeeting>;
}

export async function recordMeeting(body: NewPartyMeeting): Promise<PartyMeeting> {
  return (await ok(api.POST('/api/v1/party-life/meetings', { body }))) as PartyMeeting;
}

export async function cadence(from?: string, to?: string): Promise<CadenceReport> {
  const query: { from?: string; to?: string } = {};
  if (from) query.from = from;
  if (to) query.to = to;
  return (await ok(api.GET('/api/v1/party-life/cadence', { params: { query } }))) as CadenceReport;
}

/** The latest evaluated month's warnings at yellow or above, in member order. */
export async function listWarnings(after?: number, limit = 200): Promise<Page<PartyWarning>> {
  const query = after ? { min_level: 'yellow' as const, after, limit } : { min_level: 'yellow' as const, limit };
  return (await ok(api.GET('/api/v1/party-life/warnings', { params: { query } }))) as Page<PartyWarning>;
}

export async function evaluate(): Promise<void> {
  await ok(api.POST('/api/v1/party-life/evaluate', { body: {} }));
}

export async function acknowledge(memberId: number): Promise<void> {
  await ok(api.POST('/api/v1/party-life/warnings/{id}/acknowledge', { params: { path: { id: memberId } }, body: {} }));
}

/** Branches and groups in the caller's scope (the meeting form's choices). */
export async function listOrgs(): Promise<PartyOrg[]> {
  const page = (await ok(api.GET('/api/v1/party-orgs', { params: { query: { limit: 500 } } }))) as Page<PartyOrg>;
  return page.items;
}

/** Members in the subtree of a node (the attendance list). */
export async function listMembers(within: number): Promise<PartyMember[]> {
  const page = (await ok(api.GET('/api/v1/party-members', { params: { query: { within, limit: 500 } } }))) as Page<PartyMember>;
  return page.items;
}
