// 走访 (民情台账) on the phone: today's plan, kept on the phone so the list still opens without a signal, and the
// visits recorded while offline, kept (localStorage) with their Idempotency-Key until the network returns — the
// same way lib/outbox.ts keeps reports. A visit that reached the server before the connection broke is answered
// with the first visit (and its ticket) instead of being recorded twice.
import { ref } from 'vue';
import { ApiError, api, idempotencyKey, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';

export type VisitPlan = components['schemas']['VisitPlan'];
export type PlanItem = components['schemas']['VisitPlanItem'];
export type NewVisit = components['schemas']['NewVisit'];
export type Visit = components['schemas']['Visit'];

export const NEEDS = ['care', 'medical', 'repair', 'financial', 'employment', 'legal', 'psychological', 'other'] as const;
export const RISKS = ['fall', 'fire', 'health', 'safety', 'conflict', 'fraud', 'other'] as const;
export const FLAGS = ['elder_alone', 'disabled', 'low_income', 'senior_talent'] as const;
export const OUTCOMES = ['met', 'absent', 'refused'] as const;

export interface WaitingVisit {
  key: string;
  body: NewVisit;
  savedAt: string;
  /** Error code of the last attempt the server refused (not a network failure). */
  error?: string;
}

const PLAN_KEY = 'cg_h5_visit_plan';
const QUEUE_KEY = 'cg_h5_visits';

function storage(): Storage | undefined {
  return globalThis.localStorage;
}

function readJson<T>(key: string, fallback: T): T {
  try {
    const v = JSON.parse(storage()?.getItem(key) ?? 'null') as T | null;
    return v ?? fallback;
  } catch {
    return fallback;
  }
}

function writeJson(key: string, value: unknown): void {
  try {
    storage()?.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full: the page keeps working from memory */
  }
}

export const plan = ref<VisitPlan | null>(readJson<VisitPlan | null>(PLAN_KEY, null));
export const waiting = ref<WaitingVisit[]>(readJson<WaitingVisit[]>(QUEUE_KEY, []));

/** Today's plan from the server (and kept on the phone); the kept one when offline. */
export async function loadPlan(): Promise<VisitPlan> {
  const fresh = await ok(api.GET('/api/v1/visits/plan'));
  plan.value = fresh;
  writeJson(PLAN_KEY, fresh);
  return fresh;
}

/** The household of the plan (for the record page), or undefined. */
export function planItem(householdId: number): PlanItem | undefined {
  return plan.value?.items.find((i) => i.household_id === householdId);
}

/** Records a visit under `key` (the same key on every retry). */
export async function record(key: string, body: NewVisit): Promise<Visit> {
  return ok(api.POST('/api/v1/visits', { params: { header: { 'Idempotency-Key': key } }, body }));
}

/** Keeps a visit to send when the network returns; it leaves today's list at once. */
export function keep(key: string, body: NewVisit): void {
  waiting.value = [...waiting.value.filter((w) => w.key !== key), { key, body, savedAt: new Date().toISOString() }];
  writeJson(QUEUE_KEY, waiting.value);
}

function discard(key: string): void {
  waiting.value = waiting.value.filter((w) => w.key !== key);
  writeJson(QUEUE_KEY, waiting.value);
}

let flushing: Promise<Visit[]> | null = null;

/** Sends the waiting visits; stops at the first network failure. Returns the visits recorded. */
export function flushVisits(): Promise<Visit[]> {
  if (flushing) return flushing;
  flushing = (async () => {
    const sent: Visit[] = [];
    for (const item of [...waiting.value]) {
      try {
        sent.push(await record(item.key, item.body));
        discard(item.key);
      } catch (e) {
        if (e instanceof ApiError && e.code === 'network') break;
        item.error = e instanceof ApiError ? e.code : 'unknown';
        writeJson(QUEUE_KEY, waiting.value);
      }
    }
    return sent;
  })().finally(() => {
    flushing = null;
  });
  return flushing;
}

/** Households of today's plan not yet recorded on this phone (a waiting visit counts as done). */
export function openItems(items: PlanItem[]): PlanItem[] {
  const done = new Set(waiting.value.map((w) => w.body.household_id));
  return items.filter((i) => !done.has(i.household_id));
}

export { idempotencyKey };
