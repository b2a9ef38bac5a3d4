// Journey 17: 逢四说事. resident1 proposes a matter on the phone (我的 → 议事提议); secretary1 opens the console's
// 议事协商 page, picks the community's next 逢四说事 meeting, puts the proposal on its agenda and records a decision
// on it, which files a follow-up ticket; the ticket is dispatched and resolved (API), and the decision is done: the
// console shows 100% and the resident's phone shows the proposal and its decision done.
import assert from 'node:assert/strict';
import { apiAs, countyTime } from '../journey-api.mjs';
import { consoleSignIn } from './_console.mjs';
import { DEMO_PASSWORD } from '../harness.mjs';

export default async function deliberation(j) {
  const secretary = await apiAs(j.url, 'secretary1');
  const me = await secretary.get('/api/v1/me');
  const community = me.scope.node_id;
  const upcoming = await secretary.get(
    `/api/v1/deliberation/meetings?community_id=${community}&from=${encodeURIComponent(new Date().toISOString())}&limit=1`,
  );
  assert.ok(upcoming.items.length, 'the community has an upcoming 逢四说事');
  const meeting = upcoming.items[0];
  assert.equal(meeting.title, '逢四说事');
  assert.ok([4, 14, 24].includes(Number(countyTime(meeting.starts_at).day)), 'on the 4th, 14th or 24th');
  const matter = `东门路灯不亮（旅程 17 ${Date.now() % 100000}）`;

  // The resident proposes on the phone.
  const phone = await j.person('phone');
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill('resident1');
  await phone.getByLabel('密码').fill(DEMO_PASSWORD);
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.waitForURL(/\/h5\/report/, { waitUntil: 'commit' });
  await phone.locator('.van-tabbar').getByText('我的', { exact: true }).click();
  await phone.getByText('议事提议').click();
  await phone.waitForURL(/\/h5\/deliberation$/, { waitUntil: 'commit' });
  await phone.getByLabel('议题').fill(matter);
  await phone.getByLabel('说明').fill('晚上回家一片漆黑，老人容易摔倒。');
  await phone.getByRole('button', { name: '提交提议' }).click();
  const mine = phone.getByTestId('h5-delib-mine').locator('li', { hasText: matter }).first();
  await mine.getByText('待议').waitFor();
  await j.step(phone, '居民提交议事提议，状态待议');

  // The secretary puts it on the next meeting's agenda and records a decision.
  const page = await j.person('pc');
  await consoleSignIn(j, page, 'secretary1');
  await page.getByRole('menuitem', { name: '议事协商' }).click();
  await page.getByRole('heading', { name: '议事协商', level: 1 }).waitFor();
  // The meeting's day and hour as the page shows them: the county's wall time (src/shared/when.ts).
  const starts = countyTime(meeting.starts_at);
  const label = `${starts.year}-${starts.month}`;
  for (let i = 0; i < 2 && (await page.getByTestId('delib-month').innerText()) !== label; i += 1) {
    await page.getByRole('button', { name: '下个月' }).click();
  }
  const meetings = page.getByTestId('delib-meetings');
  const day = `${starts.year}/${starts.month}/${starts.day} ${starts.hour}`;
  await meetings.locator('tbody tr', { hasText: day }).first().getByRole('button').click();
  await page.getByTestId('delib-meeting').waitFor();
  const proposal = page.getByTestId('delib-proposals').locator('tbody tr', { hasText: matter });
  await proposal.getByRole('button', { name: '加入议程' }).click();
  await page.getByTestId('delib-agenda').locator('tbody tr', { hasText: matter }).waitFor();
  await j.step(page, '书记把居民提议加入逢四说事议程');

  const form = page.getByTestId('delib-decision-form');
  await form.getByLabel('所属议题').click({ force: true });
  await page.getByRole('option', { name: matter }).click();
  await form.getByLabel('决定事项').fill('更换东门路灯');
  await form.getByLabel('责任人').fill('物业王经理');
  await form.getByLabel('完成时限').fill('2027-01-31');
  await form.getByRole('button', { name: '形成决定并转办' }).click();
  const decisionRow = page.getByTestId('delib-decisions').locator('tbody tr', { hasText: '更换东门路灯' }).first();
  await decisionRow.getByText('办理中').waitFor();
  const number = (await decisionRow.innerText()).match(/\d{6}-\d{4}-\d{6}/)?.[0];
  assert.ok(number, 'the decision shows its follow-up ticket number');
  await j.step(page, '形成决定，生成会议转办工单');

  // The follow-up ticket is dispatched and resolved through the ticket API.
  const detail = await secretary.get(`/api/v1/deliberation/meetings/${meeting.id}`);
  const decision = detail.decisions.find((d) => d.title === '更换东门路灯' && d.state === 'open');
  assert.ok(decision, 'the decision is open');
  const events = `/api/v1/tickets/${decision.ticket_id}/events`;
  await secretary.post(events, { type: 'dispatch', assignee: { kind: 'account', id: me.account.id } });
  await secretary.post(events, { type: 'resolve', note: '路灯已更换' });

  await meetings.locator('tbody tr', { hasText: day }).first().getByRole('button').click();
  await decisionRow.getByText('已完成').waitFor();
  assert.match(await page.getByTestId('delib-progress').innerText(), /100%/);
  await j.step(page, '转办工单办结，决定完成，进度 100%');

  await phone.reload();
  await phone.getByTestId('h5-delib-mine').locator('li', { hasText: matter }).first().getByText('已完成').first().waitFor();
  await j.step(phone, '居民看到提议的决定已完成');
}
