// Journey 18: 党员预警. The county admin sets the rules (a month without organisational life is already yellow)
// and evaluates this month (API); member1 opens 我的 → 组织生活预警 on the phone and sees the warning with its
// reason; secretary1 records a 主题党日 of the community's party organisation on the console's 党组织生活 page with
// member1 (registered with the community) present; member1's phone then shows the absence reason gone.
import { DEMO_PASSWORD } from '../harness.mjs';
import { apiAs, consoleSignIn } from './_console.mjs';
import assert from 'node:assert/strict';

export default async function (j) {
  const admin = await apiAs(j, 'admin');
  const secretary = await apiAs(j, 'secretary1');
  const member = await apiAs(j, 'member1');
  // The county's rules: 1, 2, 3 months without organisational life; the service rule off.
  const rules = { absence_yellow: 1, absence_orange: 2, absence_red: 3, service_min_minutes: 0 };
  const context = await j.browser.newContext({ baseURL: j.url });
  j.contexts.push(context);
  const login = await context.request.post('/api/v1/session', { data: { username: 'admin', password: DEMO_PASSWORD } });
  const csrf = (await login.json()).csrf_token;
  const put = await context.request.put('/api/v1/party-life/rules', { data: rules, headers: { 'X-CSRF-Token': csrf } });
  assert.equal(put.status(), 200, await put.text());
  await admin.post('/api/v1/party-life/evaluate', {});
  const before = await member.get('/api/v1/party-life/my-warning');
  assert.ok(before.reasons.some((r) => r.rule === 'absence'), 'member1 has had no organisational life this month');
  // The community's own party organisation (its members and those registered with it may attend).
  const orgs = await secretary.get(`/api/v1/party-orgs?limit=500`);
  const org = orgs.items.find((o) => o.node_id === secretary.me.scope.node_id) ?? orgs.items[0];

  const phone = await j.person('phone');
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill('member1');
  await phone.getByLabel('密码').fill(DEMO_PASSWORD);
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.waitForURL(/\/h5\/board/, { waitUntil: 'commit' });
  await phone.goto('/h5/me');
  await phone.getByText('组织生活预警').click();
  const reasons = phone.getByTestId('my-warning-reasons');
  await reasons.getByText(/未参加组织生活/).waitFor();
  await j.step(phone, 'member1 sees the warning and its reason: no organisational life this month');

  const pc = await j.person('pc');
  await consoleSignIn(j, pc, 'secretary1');
  await pc.getByRole('menuitem', { name: '党组织生活' }).click();
  await pc.getByRole('heading', { name: '党组织生活', level: 1 }).waitFor();
  await pc.locator('.el-select', { has: pc.locator('#pl-org') }).click();
  await pc.getByRole('option', { name: org.name, exact: true }).click();
  const row = pc.getByTestId('attendance').locator('tr', { hasText: before.member_name });
  await row.waitFor();
  await row.getByText('出席', { exact: true }).click();
  await pc.getByLabel('会议主题').fill('主题党日：重温入党誓词（旅程 18）');
  await pc.getByLabel('会议记录').fill('全体党员重温入党誓词。');
  await j.step(pc, 'the secretary records a 主题党日 with member1 present');
  await pc.getByRole('button', { name: '保存会议' }).click();
  await pc.getByRole('status').getByText(/已记录/).waitFor();
  await pc.getByTestId('meetings').getByText('主题党日：重温入党誓词（旅程 18）').first().waitFor();
  await j.step(pc, 'the meeting is listed');

  await phone.reload();
  await phone.getByTestId('my-warning').waitFor();
  assert.ok(!(await reasons.innerText()).includes('未参加组织生活'), 'the absence reason is gone');
  await j.step(phone, 'member1 phone: the absence reason is gone after the meeting');
}
