// 千户访 in the console: the county admin creates a campaign for this week, giving grid1 (a cadre serving as
// building head) the three households of its grid not seen longest; the list shows 0 of 3. grid1 visits one of
// them under the campaign, and the console shows the visit counted toward the campaign and toward grid1's share.
import assert from 'node:assert/strict';
import { apiAs, consoleSignIn } from './_console.mjs';

const day = (d) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10); // Beijing date

export default async function visitCampaign(j) {
  const grid1 = await apiAs(j, 'grid1');
  const gridId = grid1.me.scope.node_id;
  const admin = await apiAs(j, 'admin');
  const grid = await admin.get(`/api/v1/org-nodes/${gridId}`);
  const community = await admin.get(`/api/v1/org-nodes/${grid.parent_id}`);
  const gridName = `${community.name} ${grid.name}`; // grids are named within their community
  const cadre = grid1.me.account.display_name;
  const name = `千户访·旅程${Date.now() % 100000}`;

  const page = await j.person('pc');
  await consoleSignIn(j, page, 'admin');
  await page.goto('/console/visits/campaigns');
  await page.getByRole('heading', { name: '千户访' }).waitFor();
  await j.step(page, '千户访列表');

  await page.getByRole('button', { name: '新建千户访' }).click();
  const dialog = page.getByRole('dialog', { name: '新建千户访' });
  await dialog.getByLabel('活动名称').fill(name);
  const today = new Date();
  await dialog.getByLabel('开始日期').fill(day(today));
  await dialog.getByLabel('结束日期').fill(day(new Date(today.getTime() + 6 * 86_400_000)));
  await dialog.getByRole('combobox', { name: '走访干部' }).click();
  await page.getByRole('option', { name: cadre, exact: true }).first().click();
  await dialog.getByRole('combobox', { name: /走访网格/ }).click();
  await page.getByRole('option', { name: gridName, exact: true }).click();
  await dialog.getByLabel('户数').fill('3');
  await j.step(page, '新建千户访：干部、网格、户数');
  await dialog.getByRole('button', { name: '创建' }).click();
  await page.getByText(`已创建「${name}」，共 3 户`).waitFor();

  const campaigns = (await grid1.get('/api/v1/visit-campaigns?limit=100')).items;
  const campaign = campaigns.find((c) => c.name === name);
  assert.ok(campaign, 'the campaign is stored');
  assert.equal(campaign.households, 3);
  assert.equal(campaign.assignments.length, 1);
  assert.equal(campaign.assignments[0].visitor_account_id, grid1.me.account.id);
  const count = page.locator(`.cg-campaign-count[data-campaign="${campaign.id}"]`);
  assert.equal(await count.innerText(), '0/3');
  await j.step(page, '千户访已创建：0/3');

  // grid1 visits the first assigned household under the campaign; it is first on grid1's plan.
  const household = campaign.assignments[0].household_ids[0];
  const plan = await grid1.get('/api/v1/visits/plan');
  const due = plan.items.find((i) => i.household_id === household);
  assert.ok(due && due.reasons.includes('campaign'), "the campaign's household is due on grid1's plan");
  await grid1.post('/api/v1/visits', { household_id: household, outcome: 'met', campaign_id: campaign.id }, { 'Idempotency-Key': `j27-${Date.now()}` });

  await page.reload();
  await count.waitFor();
  assert.equal(await count.innerText(), '1/3', 'the visit counts toward the campaign');
  const row = page.locator('.el-table__row', { has: count });
  await row.locator('.el-table__expand-icon').click();
  const cadres = page.getByTestId(`campaign-${campaign.id}-cadres`);
  await cadres.getByText(cadre).waitFor();
  await cadres.getByRole('progressbar', { name: `${cadre} 1/3` }).waitFor();
  await j.step(page, '干部的进度：已走访 1/3');
}
