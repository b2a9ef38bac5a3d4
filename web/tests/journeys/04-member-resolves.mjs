// Journey 4: a party member on the phone finds the ticket the secretary put on the board (journey 03), claims it,
// starts it, resolves it with a photo and a note, and sees it under 我的任务 as resolved; on the console the photo
// shows beside 办结 in the ticket's timeline. Run alone, it first files
// and publishes a ticket through the API (resident1 submits, secretary1 accepts and puts it on the board).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEMO_PASSWORD, webDir } from '../harness.mjs';
import { consoleSignIn } from './_console.mjs';

const FIXTURE = resolve(webDir, 'tests/fixtures/resolved.jpg');

/** A tiny API client with its own cookie jar (and the CSRF header when the server sets cg_csrf). */
function client(base) {
  const jar = new Map();
  let token; // the CSRF token a sign-in answer carries (when the server does not set the cg_csrf cookie)
  const call = async (method, path, body, headers = {}) => {
    const h = { ...headers, Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const csrf = jar.has('cg_csrf') ? decodeURIComponent(jar.get('cg_csrf')) : token;
    if (method !== 'GET' && csrf) h['X-CSRF-Token'] = csrf;
    const res = await fetch(`${base}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    signIn: async (username) => {
      const body = await call('POST', '/api/v1/session', { username, password: DEMO_PASSWORD });
      token = body?.csrf_token ?? token;
      return call('GET', '/api/v1/me');
    },
    get: (path) => call('GET', path),
    post: (path, body, headers) => call('POST', path, body, headers),
  };
}

/** Files a ticket as resident1 and puts it on the board as secretary1 (for running this journey alone). */
export async function publishTicket(base) {
  const resident = client(base);
  const me = await resident.signIn('resident1');
  const categories = (await resident.get('/api/v1/categories')).items;
  const category = categories.find((c) => c.group === 'daily') ?? categories.find((c) => c.group !== 'aspiration');
  const description = `楼道灯坏了，晚上看不清台阶（旅程 04 ${Date.now() % 100000}）`;
  const ticket = await resident.post(
    '/api/v1/tickets',
    { category_id: category.id, kind: 'report', channel: 'h5', description, node_id: me.scope.node_id },
    { 'Idempotency-Key': `j04-submit-${Date.now()}` },
  );
  const secretary = client(base);
  await secretary.signIn('secretary1');
  const accepted = await secretary.post(`/api/v1/tickets/${ticket.id}/events`, { type: 'accept', version: ticket.version }, { 'Idempotency-Key': `j04-accept-${ticket.id}` });
  await secretary.post(
    `/api/v1/tickets/${ticket.id}/events`,
    { type: 'dispatch', version: accepted.version, assignee: { kind: 'board' } },
    { 'Idempotency-Key': `j04-board-${ticket.id}` },
  );
  return { id: ticket.id, number: ticket.number, description };
}

export default async function (j) {
  if (!j.shared.ticket) j.shared.ticket = await publishTicket(j.url);
  const { ticket } = j.shared;

  const page = await j.person('phone');
  j.allow(page, /\/api\/v1\/me → 401/);
  await page.goto('/h5/');
  await page.getByLabel('用户名').fill('member1');
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(/\/h5\/board/, { waitUntil: 'commit' });
  const card = page.locator(`[data-ticket="${ticket.number}"]`);
  await card.waitFor();
  await j.step(page, 'member1 signs in and sees the ticket on 点单栏');

  await card.getByRole('button', { name: /认领/ }).click();
  await page.waitForURL(new RegExp(`/h5/tasks/${ticket.id}\\b`), { waitUntil: 'commit' });
  await page.getByRole('button', { name: '开始处置' }).waitFor();
  await j.step(page, 'claimed: the task page offers 开始处置');

  await page.getByRole('button', { name: '开始处置' }).click();
  await page.getByRole('button', { name: '办结' }).waitFor();
  await j.step(page, 'started: the task page asks how it was resolved');

  await page.locator('#h5-resolve-photo').setInputFiles({ name: 'resolved.jpg', mimeType: 'image/jpeg', buffer: readFileSync(FIXTURE) });
  await page.getByRole('img', { name: '第 1 张照片', exact: true }).waitFor();
  await page.getByLabel('办理情况').fill('已更换楼道灯泡，晚上照明恢复');
  await page.waitForFunction(() => !document.querySelector('.h5-photos__busy'));
  await j.step(page, 'a photo of the spot and a note');

  await page.getByRole('button', { name: '办结' }).click();
  await page.locator('.h5-task__card .h5-work__head').getByText('已办结').waitFor();
  // The timeline names each step in Chinese (it showed the raw types "resolve", "claim" …).
  await page.locator('.h5-task__event').getByText('办结', { exact: true }).waitFor();
  await page.locator('.h5-task__event').getByText('认领', { exact: true }).waitFor();
  await j.step(page, 'resolved: the state shows 已办结 and the timeline the photo');

  await page.getByText('返回').click();
  await page.locator('.van-tabbar').getByText('我的任务').click();
  await page.waitForURL(/\/h5\/tasks$/, { waitUntil: 'commit' });
  await page.getByRole('button', { name: /已办结/ }).click();
  await page.locator(`[data-ticket="${ticket.number}"]`).getByText('已办结').waitFor();
  await j.step(page, '我的任务 lists it as resolved');
  j.shared.ticket.resolvedBy = 'member1';

  // On the console, the secretary sees the member's photo beside 办结 in the ticket's timeline.
  const pc = await j.person('pc');
  await consoleSignIn(j, pc, 'secretary1');
  await pc.goto(`/console/tickets/${ticket.id}`);
  const timeline = pc.getByTestId('timeline');
  await timeline.getByRole('img', { name: '办结照片 1' }).waitFor();
  await pc.waitForFunction(() => [...document.querySelectorAll('.cg-event-photos img')].every((i) => i.complete && i.naturalWidth > 0));
  await j.step(pc, '管理后台：时间线上办结附带的照片');
}
