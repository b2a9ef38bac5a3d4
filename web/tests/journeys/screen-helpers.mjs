// Helpers of the screen journeys (01-screen-watch, 06-screen-after). Not a journey itself (no NN- prefix).
import { request } from 'playwright-core';
import { DEMO_PASSWORD } from '../harness.mjs';

/** Rates as the screen writes them: one decimal (src/screen/format.ts percent). */
export function percent(rate) {
  if (rate === null || rate === undefined) return '—';
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** Whole percents, as the map labels them (src/screen/format.ts percentShort). */
export function percentShort(rate) {
  if (rate === null || rate === undefined) return '—';
  return `${Math.round(rate * 100)}%`;
}

/** An API session of a demo account beside the pages (what the test checks against). */
export async function apiSession(j, username) {
  const ctx = await request.newContext({ baseURL: j.url });
  const login = await ctx.post('/api/v1/session', { data: { username, password: DEMO_PASSWORD } });
  if (!login.ok()) throw new Error(`sign-in of ${username}: ${login.status()} ${await login.text()}`);
  const body = await login.json().catch(() => ({}));
  const cookies = (await ctx.storageState()).cookies;
  const csrf = body.csrf_token ?? cookies.find((c) => c.name === 'cg_csrf')?.value;
  const headers = csrf ? { 'X-CSRF-Token': csrf } : {};
  const answer = async (res, what) => {
    if (!res.ok()) throw new Error(`${what}: ${res.status()} ${await res.text()}`);
    return res.json();
  };
  return {
    get: async (path) => answer(await ctx.get(path), `GET ${path}`),
    post: async (path, data, extra = {}) =>
      answer(await ctx.post(path, { data, headers: { ...headers, ...extra } }), `POST ${path}`),
    dispose: () => ctx.dispose(),
  };
}

/** Every community's counters this month: id → counts (from the rankings of each street). */
export async function communityCounts(api) {
  const streets = (await api.get('/api/v1/org-nodes?kind=street&limit=500')).items;
  const out = {};
  for (const s of streets) {
    for (const item of (await api.get(`/api/v1/stats/rankings?parent_id=${s.id}`)).items) {
      out[item.node.id] = { ...item.counts, rates: item.rates };
    }
  }
  return out;
}

/** The community a node lies in. */
export async function communityOf(api, nodeId) {
  let node = await api.get(`/api/v1/org-nodes/${nodeId}`);
  for (let i = 0; i < 6 && node.kind !== 'community' && node.parent_id; i += 1) {
    node = await api.get(`/api/v1/org-nodes/${node.parent_id}`);
  }
  return node;
}

/**
 * Notes in the page when each ticket first shows in the live feed (test instrumentation through DevTools, not
 * part of the screen): window.__feedSeen[number] = { at, received }.
 */
export async function seenFeedRecorder(page) {
  await page.evaluate(() => {
    const w = window;
    w.__feedSeen = w.__feedSeen ?? {};
    const note = () => {
      for (const li of document.querySelectorAll('.feed-item[data-ticket]')) {
        const n = li.getAttribute('data-ticket');
        if (!w.__feedSeen[n]) w.__feedSeen[n] = { at: Date.now(), received: Number(li.getAttribute('data-received') || 0) };
      }
    };
    note();
    new MutationObserver(note).observe(document.body, { childList: true, subtree: true, attributes: true });
  });
}
