// 双报到 and volunteer activities (docs/duty.md): the calls the console and the phone pages share.
import { api, ok } from './api';
import type { components } from './api-types';

export type DutySkill = components['schemas']['DutySkill'];
export type DutyRegistration = components['schemas']['DutyRegistration'];
export type DutyActivity = components['schemas']['DutyActivity'];
export type DutySignup = components['schemas']['DutySignup'];
export type DutyCheckCode = components['schemas']['DutyCheckCode'];
export type DutyCommunityCoverage = components['schemas']['DutyCommunityCoverage'];
export type NewDutyRegistration = components['schemas']['NewDutyRegistration'];
export type NewDutyActivity = components['schemas']['NewDutyActivity'];

export const listSkills = () => ok(api.GET('/api/v1/duty/skills', {})).then((r) => r.items);
export const listRegistrations = (query: { state?: 'requested' | 'confirmed' | 'declined' } = {}) =>
  ok(api.GET('/api/v1/duty/registrations', { params: { query: { ...query, limit: 200 } } })).then((r) => r.items);
export const requestRegistration = (body: NewDutyRegistration) =>
  ok(api.POST('/api/v1/duty/registrations', { body }));
export const confirmRegistration = (id: number, version: number) =>
  ok(api.POST('/api/v1/duty/registrations/{id}/confirm', { params: { path: { id } }, body: { version } }));
export const declineRegistration = (id: number, reason: string, version: number) =>
  ok(api.POST('/api/v1/duty/registrations/{id}/decline', { params: { path: { id } }, body: { reason, version } }));
export const communityCoverage = () =>
  ok(api.GET('/api/v1/duty/coverage/communities', {})).then((r) => r.items);
export const listActivities = () =>
  ok(api.GET('/api/v1/duty/activities', { params: { query: { limit: 200 } } })).then((r) => r.items);
export const createActivity = (body: NewDutyActivity) => ok(api.POST('/api/v1/duty/activities', { body }));
export const signUp = (id: number) =>
  ok(api.POST('/api/v1/duty/activities/{id}/signup', { params: { path: { id } } }));
export const withdraw = (id: number) =>
  ok(api.DELETE('/api/v1/duty/activities/{id}/signup', { params: { path: { id } } }));
export const activitySignups = (id: number) =>
  ok(api.GET('/api/v1/duty/activities/{id}/signups', { params: { path: { id }, query: { limit: 500 } } })).then(
    (r) => r.items,
  );
export const checkCode = (id: number, kind: 'in' | 'out') =>
  ok(api.GET('/api/v1/duty/activities/{id}/code', { params: { path: { id }, query: { kind } } }));
export const check = (id: number, kind: 'in' | 'out', code: string, position?: [number, number]) =>
  ok(
    api.POST('/api/v1/duty/activities/{id}/check', {
      params: { path: { id } },
      body: position ? { kind, code, position } : { kind, code },
    }),
  );
export const mySignups = () =>
  ok(api.GET('/api/v1/duty/signups', { params: { query: { limit: 200 } } })).then((r) => r.items);
export const approveHours = (id: number, minutes?: number) =>
  ok(api.POST('/api/v1/duty/signups/{id}/approve', { params: { path: { id } }, body: minutes ? { minutes } : {} }));

/** "cgduty:<activity>:<in|out>:<code>" (the QR text) or 8 typed digits. */
export function parseCode(text: string): { activity?: number; kind?: 'in' | 'out'; code: string } | null {
  const trimmed = text.trim();
  const qr = /^cgduty:(\d+):(in|out):(\d{8})$/.exec(trimmed);
  if (qr) return { activity: Number(qr[1]), kind: qr[2] as 'in' | 'out', code: qr[3] };
  return /^\d{8}$/.test(trimmed) ? { code: trimmed } : null;
}
