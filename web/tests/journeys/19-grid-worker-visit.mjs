// 民情台账: a grid worker opens today's visit list on the phone, records a visit in a few taps — a need found, the
// household's flag kept current, a note — and files the demand she found as a ticket at once (一呼联动); the
// household leaves her list. With no signal, the next visit waits on the phone and is sent once when the network
// returns. The secretary then sees the grid's coverage move on the console's 走访覆盖 page, the
// visit in the household's history with its note sealed, and the ticket itself.
import assert from 'node:assert/strict';
import { apiAs, consoleSignIn } from './_console.mjs';

export default async function gridWorkerVisit(j) {
  const grid1 = await apiAs(j, 'grid1');
  const secretary = await apiAs(j, 'secretary1');
  const plan = await grid1.get('/api/v1/visits/plan');
  const item = plan.items.find((i) => i.visits_this_week === 0);
  assert.ok(item, 'grid1 has a household not yet seen this week');
  const before = (await secretary.get('/api/v1/visits/coverage')).grids.find((g) => g.id === item.grid_id);
  assert.ok(before, "the household's grid is in the secretary's coverage");

  const phone = await j.person('phone');
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill('grid1');
  await phone.getByLabel('密码').fill('civicgrid-demo');
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.locator('.van-tabbar').getByText('走访').click();
  await phone.waitForURL(/\/h5\/visits$/);
  const row = phone.locator(`.h5-visits__item[data-household="${item.household_id}"]`);
  await row.waitFor();
  await j.step(phone, '今天应走访的户');

  await row.click();
  await phone.waitForURL(new RegExp(`/h5/visits/${item.household_id}$`));
  await phone.getByRole('checkbox', { name: '维修' }).click();
  await phone.getByRole('checkbox', { name: '跌倒' }).click();
  const elder = phone.getByRole('checkbox', { name: '独居老人' });
  if ((await elder.getAttribute('aria-checked')) !== 'true') await elder.click();
  await phone.getByLabel('走访记录').fill('老人独居，卫生间地面湿滑，儿子在外地');
  await phone.getByRole('checkbox', { name: '发现诉求，立即立案（一呼联动）' }).click();
  const category = phone.locator('#h5-visit-category');
  await category.locator('option:not([disabled])').first().waitFor({ state: 'attached' });
  await category.selectOption(await category.locator('option:not([disabled])').first().getAttribute('value'));
  const demand = `入户走访发现：卫生间水管漏水，需上门维修（${Date.now() % 100000}）`;
  await phone.getByLabel('诉求内容').fill(demand);
  await j.step(phone, '几下记录走访，发现诉求立即立案');
  await phone.getByRole('button', { name: '保存走访' }).click();
  await phone.getByText(/走访已记录，诉求已立案：\d{6}-\d{4}-\d{6}/).first().waitFor();
  await phone.waitForURL(/\/h5\/visits$/);
  await phone.getByText(/今天应走访 \d+ 户|今天的走访都完成了/).first().waitFor();
  // The list reloads after the save: wait for the row to go (a timeout fails the journey), not one read of it.
  await row.waitFor({ state: 'detached' });
  assert.equal(await row.count(), 0, 'the visited household leaves the list');
  await j.step(phone, '走访已记录，该户离开今天的名单');

  const history = await secretary.get(`/api/v1/visits?household_id=${item.household_id}`);
  const visit = history.items[0];
  assert.ok(visit && visit.ticket_id, 'the visit is linked to its ticket');
  assert.deepEqual(visit.needs, ['repair']);
  assert.ok(visit.flags.includes('elder_alone'), 'the flag was kept current');
  assert.ok(!JSON.stringify(visit).includes('湿滑'), 'the note is not in the list');

  // In a stairwell with no signal: the next visit waits on the phone (leaving today's list at once) and is sent by
  // itself, once, when the network returns.
  const next = plan.items.find((i) => i.household_id !== item.household_id);
  if (next) {
    const earlier = (await secretary.get(`/api/v1/visits?household_id=${next.household_id}`)).items.length;
    j.allow(phone, /net::ERR_INTERNET_DISCONNECTED/);
    await phone.context().setOffline(true);
    const nextRow = phone.locator(`.h5-visits__item[data-household="${next.household_id}"]`);
    await nextRow.click();
    await phone.getByRole('checkbox', { name: '照料' }).click();
    await phone.getByRole('button', { name: '保存，联网后自动上传' }).click();
    await phone.getByText('网络已断开，走访记录已保存在手机上，联网后会自动上传').first().waitFor();
    await phone.getByText('有 1 条走访记录保存在手机上，联网后自动上传').waitFor();
    assert.equal(await nextRow.count(), 0, 'a visit saved offline leaves the list');
    await j.step(phone, '断网时走访记录保存在手机上');
    await phone.context().setOffline(false);
    await phone.getByText('已上传 1 条走访记录').first().waitFor();
    const after = (await secretary.get(`/api/v1/visits?household_id=${next.household_id}`)).items;
    assert.equal(after.length, earlier + 1, 'sent once when the network returned');
    assert.deepEqual(after[0].needs, ['care']);
  }

  const page = await j.person('pc');
  await consoleSignIn(j, page, 'secretary1');
  await page.getByRole('menuitem', { name: '走访覆盖' }).click();
  await page.getByRole('heading', { name: '走访覆盖', level: 1 }).waitFor();
  const gridRow = page
    .getByTestId('visit-coverage')
    .locator('tbody tr')
    .filter({ has: page.getByRole('cell', { name: before.name, exact: true }) })
    .first();
  await gridRow.waitFor();
  const cells = await gridRow.locator('td').allInnerTexts();
  // Both households of this morning (the one visited offline too, when it had not been seen this week).
  const moved = 1 + (next && next.visits_this_week === 0 ? 1 : 0);
  assert.equal(Number(cells[2]), before.seen_week + moved, `seen this week moved: ${cells.join(' | ')}`);
  await j.step(page, '书记看到网格本周覆盖增加');

  await page.goto(`/console/visits/households/${item.household_id}`);
  const historyRow = page.getByTestId('visit-history').locator('tbody tr').first();
  await historyRow.getByText(visit.ticket_number).waitFor();
  await historyRow.getByText('已加密（18 字）').waitFor();
  await historyRow.getByRole('button', { name: '查看' }).click();
  await historyRow.getByText('老人独居，卫生间地面湿滑，儿子在外地').waitFor();
  await j.step(page, '该户的走访史，备注查看留痕');

  await historyRow.getByRole('link', { name: visit.ticket_number }).click();
  await page.waitForURL(new RegExp(`/console/tickets/${visit.ticket_id}$`));
  await page.getByText(demand).first().waitFor();
  await j.step(page, '书记看到走访立案的工单');
}
