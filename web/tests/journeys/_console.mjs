// Helpers for the console journeys (not a journey: the runner takes only NN-*.mjs).
import { DEMO_PASSWORD } from '../harness.mjs';

/** Signs in on the console through the real form; the signed-out /me answer (401) is expected. */
export async function consoleSignIn(j, page, username, password = DEMO_PASSWORD) {
  j.allow(page, /\/api\/v1\/me → 401/);
  await page.goto('/console/');
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole('button', { name: /登录|Sign in/ }).click();
  await page.getByTestId('signed-in-name').waitFor();
}

/** An API session for someone (a fresh browser context's request client), with the CSRF header when the
 * server sets a cg_csrf cookie. Returns { get(path), post(path, body, headers) } answering parsed JSON. */
export async function apiAs(j, username, password = DEMO_PASSWORD) {
  const context = await j.browser.newContext({ baseURL: j.url });
  j.contexts.push(context);
  const request = context.request;
  const login = await request.post('/api/v1/session', { data: { username, password } });
  if (!login.ok()) throw new Error(`sign-in of ${username}: ${login.status()} ${await login.text()}`);
  const me = await login.json();
  const csrf = async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'cg_csrf');
    return cookie ? { 'X-CSRF-Token': decodeURIComponent(cookie.value) } : me.csrf_token ? { 'X-CSRF-Token': me.csrf_token } : {};
  };
  const answer = async (res, what) => {
    if (!res.ok()) throw new Error(`${what}: ${res.status()} ${await res.text()}`);
    return res.status() === 204 ? null : res.json();
  };
  return {
    me,
    get: async (path) => answer(await request.get(path), `GET ${path}`),
    post: async (path, data, headers = {}) =>
      answer(await request.post(path, { data, headers: { ...(await csrf()), ...headers } }), `POST ${path}`),
  };
}

/** A fresh demand from resident1 in the first community: by default in a category the order board takes;
 * `pick` chooses another (e.g. (c) => c.code === ...). */
export async function residentTicket(j, description, pick = (c) => c.public_board && c.group === 'daily') {
  const resident = await apiAs(j, 'resident1');
  const { items } = await resident.get('/api/v1/categories');
  const category = items.find(pick) ?? items.find((c) => c.public_board) ?? items[0];
  const ticket = await resident.post(
    '/api/v1/tickets',
    { category_id: category.id, description, node_id: resident.me.scope.node_id },
    { 'Idempotency-Key': `journey-${Date.now()}-${Math.random()}` },
  );
  return { id: ticket.id, number: ticket.number, description: ticket.description };
}
