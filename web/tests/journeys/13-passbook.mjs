// Journey 13: 爱心存折. member1 earns member points by resolving a board ticket (the ticket rule credits the
// passbook), opens 我的 → 我的爱心存折 and sees the balance and the entry, then 积分兑换 and redeems a reward the
// secretary stocked; at the counter secretary1 confirms the hand-over on the console's 爱心超市 page.
import assert from 'node:assert/strict';
import { apiAs } from '../journey-api.mjs';
import { consoleSignIn } from './_console.mjs';
import { DEMO_PASSWORD } from '../harness.mjs';

/** A board ticket in resident1's community, claimed and resolved by member1 through the API: +20 points. */
async function earnPoints(url) {
  const resident = await apiAs(url, 'resident1');
  const me = await resident.get('/api/v1/me');
  const { items } = await resident.get('/api/v1/categories');
  const category = items.find((c) => c.public_board && c.group === 'daily') ?? items.find((c) => c.public_board);
  const ticket = await resident.post(
    '/api/v1/tickets',
    { category_id: category.id, description: `楼道扶手松了（旅程 13 ${Date.now() % 100000}）`, node_id: me.scope.node_id },
    { 'Idempotency-Key': `j13-${Date.now()}` },
  );
  const secretary = await apiAs(url, 'secretary1');
  const events = `/api/v1/tickets/${ticket.id}/events`;
  await secretary.post(events, { type: 'accept' });
  await secretary.post(events, { type: 'dispatch', assignee: { kind: 'board' } });
  const member = await apiAs(url, 'member1');
  await member.post(events, { type: 'claim' });
  await member.post(events, { type: 'start' });
  await member.post(events, { type: 'resolve', note: '扶手已加固' });
  return { secretary, member };
}

export default async function passbook(j) {
  const { secretary, member } = await earnPoints(j.url);
  const before = (await member.get('/api/v1/timebank/me/statement?currency=member_points')).balance;
  assert.ok(before >= 10, `member1 has points to spend (${before})`);
  const community = (await secretary.get('/api/v1/me')).scope.node_id;
  const name = `爱心洗衣液 ${Date.now() % 10000}`;
  await secretary.post('/api/v1/timebank/rewards', { node_id: community, name, description: '500 毫升', cost: 10, stock: 3 });

  const phone = await j.person('phone');
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill('member1');
  await phone.getByLabel('密码').fill(DEMO_PASSWORD);
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.waitForURL(/\/h5\/board/, { waitUntil: 'commit' });
  await phone.locator('.van-tabbar').getByText('我的', { exact: true }).click();
  await phone.getByText('我的爱心存折').click();
  await phone.waitForURL(/\/h5\/passbook$/, { waitUntil: 'commit' });
  await phone.locator('.tb-passbook__entry').first().waitFor();
  await phone.locator('.tb-passbook__balance').getByText(String(before)).waitFor();
  await phone.getByText('认领工单').first().waitFor();
  await j.step(phone, '爱心存折 shows the balance and the credited ticket');

  await phone.getByText('返回').click();
  await phone.getByText('积分兑换').click();
  await phone.waitForURL(/\/h5\/rewards$/, { waitUntil: 'commit' });
  await phone.getByRole('button', { name: `兑换 ${name}` }).click();
  await phone.locator('.tb-rewards__redemption', { hasText: name }).getByText('待领取').waitFor();
  await j.step(phone, 'redeemed: the reward waits at the counter (待领取)');
  const after = (await member.get('/api/v1/timebank/me/statement?currency=member_points')).balance;
  assert.equal(after, before - 10, 'the redemption took 10 points');

  const pc = await j.person('pc');
  await consoleSignIn(j, pc, 'secretary1');
  await pc.goto('/console/timebank');
  const row = pc.getByTestId('tb-pending').locator('tr', { hasText: name });
  await row.waitFor();
  await j.step(pc, 'the counter sees the redemption to hand over');
  await row.getByRole('button', { name: /确认领取/ }).click();
  await pc.getByText('已确认领取').waitFor();
  await j.step(pc, 'hand-over confirmed');
  const mine = (await member.get('/api/v1/timebank/redemptions')).items.find((d) => d.reward_name === name);
  assert.equal(mine?.state, 'handed_over');
}
