// The resident opens her report once it is resolved (journey 04), rates it 5 with a few words, and it closes.
// Alone, any resolved report of resident1 will do; with none, the journey skips and says why.
import assert from 'node:assert/strict';
import { apiAs } from '../journey-api.mjs';

export default async function residentRates(j) {
  const resident = await apiAs(j.url, 'resident1');
  let ticket = j.shared.ticket ? await resident.get(`/api/v1/tickets/${j.shared.ticket.id}`) : null;
  if (!ticket) {
    const resolved = (await resident.get('/api/v1/tickets?mine=true&state=resolved&limit=200')).items.filter((t) => t.mine && !t.rated_at);
    ticket = resolved.at(-1) ?? null;
  }
  if (!ticket || ticket.state !== 'resolved') {
    console.log(`  – 05-resident-rates skipped: ${ticket ? `ticket ${ticket.number} is ${ticket.state}, not resolved (journey 04 resolves it)` : 'resident1 has no resolved report to rate (run journeys 02–04 first)'}`);
    return 'skip';
  }

  const phone = await j.person('phone');
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill('resident1');
  await phone.getByLabel('密码').fill('civicgrid-demo');
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.getByRole('tab', { name: '我的诉求' }).click();
  const link = phone.getByRole('link', { name: new RegExp(ticket.number) });
  await link.waitFor();
  await j.step(phone, '我的诉求：这条已办结');

  await link.click();
  await phone.getByRole('heading', { name: '问题解决了吗？请评价' }).waitFor();
  await j.step(phone, '打开已办结的诉求，可以评价');

  await phone.getByLabel('5 星').check({ force: true }); // the radio is visually hidden under its star
  await phone.getByLabel('评价内容').fill('楼道当天就清干净了，谢谢党员志愿者！');
  await phone.getByRole('button', { name: '提交评价' }).click();
  await phone.getByText('已关闭').first().waitFor();
  await phone.getByText('5 星').waitFor();
  await j.step(phone, '评价 5 星后诉求关闭');

  const after = await resident.get(`/api/v1/tickets/${ticket.id}`);
  assert.equal(after.state, 'closed');
  assert.equal(after.rating, 5);
  assert.match(after.rating_comment ?? '', /楼道当天就清干净了/);
}
