// A quarter's red, yellow and black list: the street admin opens a quarter in the console and starts scoring; the
// community secretary fills the community's form for a compound in the console; the owners' committee member, the
// property company and the grid worker of one of its buildings score it too (through the API, as their phone
// pages would); the street admin publishes, finds the compound on the yellow list (4 groups: 100, 80, 60 and 40 %
// weighted 40/30/20/10 → 80.0), and the compound's page shows that standing.
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from '../harness.mjs';
import { apiAs, consoleSignIn } from './_console.mjs';

const QUARTER = '2027-Q1';
const NAME = '2027年第1季度红黄黑榜';

export default async function compoundRanking(j) {
  const admin = await apiAs(j, 'admin');
  const secretary = await apiAs(j, 'secretary1');
  const { items } = await secretary.get('/api/v1/compounds?limit=100');
  const compound = items.find(
    (c) => c.property_company && c.owners_committee?.members.some((m) => m.resident_id) && c.buildings.length,
  );
  assert.ok(compound, 'a compound of the community with a property company, a committee and buildings');

  // The other three raters' accounts, as the county admin would set them up.
  const member = compound.owners_committee.members.find((m) => m.resident_id);
  const resident = await admin.get(`/api/v1/residents/${member.resident_id}`);
  const tag = Date.now().toString(36);
  const account = (username, role, scope, extra) =>
    admin.post('/api/v1/accounts', {
      username, display_name: username, password: DEMO_PASSWORD, role, scope_node_id: scope, ...extra,
    });
  await account(`ywh${tag}`, 'resident', resident.building_id, { resident_id: member.resident_id });
  await account(`wy${tag}`, 'unit_admin', admin.me.scope.node_id, { unit_id: compound.property_company.id });
  await account(`wg${tag}`, 'grid_worker', compound.buildings[0].grid_id, {});

  // The street admin opens the quarter and starts scoring.
  const pc = await j.person('pc');
  await consoleSignIn(j, pc, 'street1');
  await pc.getByRole('menuitem', { name: '红黄黑榜' }).click();
  await pc.getByRole('heading', { name: '红黄黑榜', exact: true }).waitFor();
  await pc.getByLabel('季度（如 2026-Q4）').fill(QUARTER);
  await pc.getByRole('button', { name: '创建' }).click();
  await pc.getByTestId('period-settings').getByText(`${NAME} · 设置中`).waitFor();
  await j.step(pc, '街道管理员新建季度评比（社区 40、业委会 30、物业 20、网格员 10）');
  await pc.getByRole('button', { name: '开始评分' }).click();
  await pc.getByTestId('period-settings').getByText(`${NAME} · 评分中`).waitFor();
  await j.step(pc, '开始评分');

  // The secretary scores for the community in the console (every item at its maximum).
  const desk = await j.person('pc');
  await consoleSignIn(j, desk, 'secretary1');
  await desk.getByRole('menuitem', { name: '小区评分' }).click();
  await desk.getByText('你代表「社区」评分').waitFor();
  await desk.locator('.el-select', { has: desk.locator('#cg-s-compound') }).click();
  await desk.getByRole('option', { name: compound.name }).click();
  await desk.getByLabel(/党建引领/).waitFor();
  await j.step(desk, '社区书记打开社区组的评分表');
  await desk.getByRole('button', { name: '提交评分' }).click();
  await desk.getByText('已提交：100 / 100 分').waitFor();
  await j.step(desk, '社区组评分已提交');

  // The three other groups.
  const period = (await secretary.get('/api/v1/ranking-periods?state=scoring')).items.find((p) => p.name === NAME);
  assert.ok(period, 'the quarter is being scored');
  const sheet = async (username, group, share) => {
    const rater = await apiAs(j, username);
    const scores = period.criteria[group].map((c) => ({ criterion_id: c.id, points: Math.floor(c.max_points * share) }));
    return rater.post(`/api/v1/ranking-periods/${period.id}/score-sheets`, { compound_id: compound.id, group, scores });
  };
  assert.equal((await sheet(`ywh${tag}`, 'owners_committee', 0.8)).percent, 80);
  assert.equal((await sheet(`wy${tag}`, 'property_company', 0.6)).percent, 60);
  assert.equal((await sheet(`wg${tag}`, 'grid_workers', 0.4)).percent, 40);

  // The street admin publishes: the list is frozen; the compound is on the yellow list with 80.0.
  await pc.reload();
  await pc.getByTestId('period-settings').getByText(`${NAME} · 评分中`).waitFor();
  await pc.getByRole('button', { name: '公布榜单' }).click();
  await pc.getByRole('tooltip').getByRole('button', { name: '公布榜单' }).click();
  await pc.getByTestId('period-settings').getByText(`${NAME} · 已公布`).waitFor();
  await pc.locator('.el-select', { has: pc.locator('#cg-g-list') }).click();
  await pc.getByRole('option', { name: '黄榜' }).click();
  const row = pc.getByTestId('standings').locator('tbody tr', { hasText: compound.name });
  await row.waitFor();
  assert.match(await row.innerText(), /80\.0/);
  assert.match(await row.innerText(), /黄榜/);
  await j.step(pc, '公布后按黄榜筛选：四组评分加权 80.0 分');

  // The compound's page: its latest standing and history.
  await pc.getByRole('menuitem', { name: '小区治理' }).click();
  const line = pc.getByTestId('compounds').locator('tbody tr', { hasText: compound.name });
  await line.getByText(NAME).waitFor();
  await line.getByRole('button', { name: `查看 ${compound.name}` }).click();
  await pc.getByTestId('compound-history').getByText(NAME).waitFor();
  await j.step(pc, '小区治理：物业、业委会、红管家与历次榜单');

  // The secretary renews the committee's term.
  await desk.getByRole('menuitem', { name: '小区治理' }).click();
  await desk
    .getByTestId('compounds')
    .locator('tbody tr', { hasText: compound.name })
    .getByRole('button', { name: `查看 ${compound.name}` })
    .click();
  await desk.getByRole('button', { name: '编辑业委会' }).click();
  const dialog = desk.getByRole('dialog', { name: `编辑 ${compound.name} 的业委会` });
  await dialog.getByLabel('任期结束').fill('2031-02-28');
  await j.step(desk, '社区书记编辑业委会任期');
  await dialog.getByRole('button', { name: '保存' }).click();
  await desk.getByText('任期 2024-03-01 至 2031-02-28').waitFor();
  await j.step(desk, '业委会任期已更新');
  const after = await secretary.get(`/api/v1/compounds/${compound.id}`);
  assert.equal(after.owners_committee.term_end, '2031-02-28');
  assert.equal(after.owners_committee.members.length, compound.owners_committee.members.length);
  assert.equal(after.property_company.id, compound.property_company.id);
}
