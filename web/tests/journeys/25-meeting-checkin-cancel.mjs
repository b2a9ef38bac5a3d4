// Journey 25 (issue 10 §3): a 逢四说事 meeting about to start and another one tomorrow. resident1 registers for both on
// the phone (我的 → 议事会议); secretary1 shows the check-in code on the console, drawn as a QR image too, and the
// resident checks in on the phone with that code; then the secretary cancels tomorrow's meeting with a reason, and
// the resident sees it cancelled on the phone and told in 我的消息.
import assert from 'node:assert/strict';
import { apiAs, countyTime } from '../journey-api.mjs';
import { consoleSignIn } from './_console.mjs';
import { DEMO_PASSWORD } from '../harness.mjs';

export default async function meetingCheckInCancel(j) {
  const secretary = await apiAs(j.url, 'secretary1');
  const me = await secretary.get('/api/v1/me');
  const tag = Date.now() % 100000;
  const soon = await secretary.post('/api/v1/deliberation/meetings', {
    community_id: me.scope.node_id,
    title: `逢四说事（签到 ${tag}）`,
    starts_at: new Date(Date.now() + 10 * 60_000).toISOString(),
    duration_minutes: 90,
    place: '社区议事厅',
  });
  const later = await secretary.post('/api/v1/deliberation/meetings', {
    community_id: me.scope.node_id,
    title: `逢四说事（取消 ${tag}）`,
    starts_at: new Date(Date.now() + 26 * 3600_000).toISOString(),
    duration_minutes: 90,
    place: '社区议事厅',
  });

  // The resident registers for both on the phone.
  const phone = await j.person('phone');
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill('resident1');
  await phone.getByLabel('密码').fill(DEMO_PASSWORD);
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.waitForURL(/\/h5\/report/, { waitUntil: 'commit' });
  await phone.locator('.van-tabbar').getByText('我的', { exact: true }).click();
  await phone.getByTestId('h5-me-meetings').click();
  await phone.waitForURL(/\/h5\/meetings$/, { waitUntil: 'commit' });
  for (const m of [soon, later]) {
    await phone.getByTestId(`h5-meeting-register-${m.id}`).click();
    await phone.getByTestId(`h5-meeting-check-${m.id}`).waitFor();
  }
  await j.step(phone, '居民在手机上报名两场议事会议');

  // The secretary shows the check-in code and its QR image.
  const page = await j.person('pc');
  await consoleSignIn(j, page, 'secretary1');
  await page.getByRole('menuitem', { name: '议事协商' }).click();
  await page.getByRole('heading', { name: '议事协商', level: 1 }).waitFor();
  const open = async (m) => {
    const starts = countyTime(m.starts_at);
    const label = `${starts.year}-${starts.month}`;
    for (let i = 0; i < 2 && (await page.getByTestId('delib-month').innerText()) !== label; i += 1) {
      await page.getByRole('button', { name: '下个月' }).click();
    }
    await page.getByTestId('delib-meetings').locator('tbody tr', { hasText: m.title }).first().getByRole('button').click();
    await page.getByTestId('delib-meeting').getByRole('heading', { name: new RegExp(m.title.replace(/[()（）]/g, '.')) }).waitFor();
  };
  await open(soon);
  await page.getByTestId('delib-registrations').locator('tbody tr').first().waitFor();
  await page.getByTestId('delib-show-code').click();
  const code = (await page.getByTestId('delib-code').locator('strong').innerText()).trim();
  assert.match(code, /^\d{8}$/, 'an 8-digit code');
  const qr = await page.getByTestId('delib-qr').getAttribute('src');
  assert.ok(qr?.startsWith('data:image/png;base64,'), 'the QR is drawn as a PNG');
  assert.ok(Buffer.from(qr.split(',')[1], 'base64').subarray(1, 4).toString() === 'PNG', 'real PNG bytes');
  await j.step(page, '书记出示签到码与二维码');

  // The resident checks in with it.
  await phone.getByTestId(`h5-meeting-${soon.id}`).getByLabel('签到码').fill(code);
  await phone.getByTestId(`h5-meeting-check-${soon.id}`).click();
  await phone.getByTestId(`h5-meeting-${soon.id}`).getByTestId('h5-meeting-checked').waitFor();
  await j.step(phone, '居民输入签到码完成签到');
  const checked = await secretary.get(`/api/v1/deliberation/meetings/${soon.id}`);
  assert.equal(checked.checked_in, 1);

  // The secretary cancels tomorrow's meeting.
  await open(later);
  await page.getByLabel('取消原因').fill('暴雨预警，改期举行');
  await page.getByTestId('delib-cancel').click();
  await page.getByTestId('delib-cancelled').waitFor();
  await j.step(page, '书记取消明天的会议并说明原因');

  await phone.reload();
  await phone.getByTestId(`h5-meeting-${later.id}`).getByTestId('h5-meeting-cancelled').getByText('暴雨预警，改期举行').waitFor();
  await j.step(phone, '居民看到会议已取消及原因');
  await phone.goto('/h5/messages'); // 议事会议 is a page without the tab bar
  await phone.getByTestId('h5-notices').getByText('暴雨预警，改期举行').first().waitFor();
  await j.step(phone, '我的消息里收到会议取消通知');
}
