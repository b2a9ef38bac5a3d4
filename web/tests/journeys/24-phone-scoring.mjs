// Journey 24 (issue 10 §1): the owners' committee and the property company score their compound on the phone
// (我的 → 小区评分); the community and the grid worker score through the API; the street admin publishes the quarter
// and the compound stands on the red list (40·100 + 30·100 + 20·60 + 10·40 = 86.0), shown on the console's 小区治理.
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from '../harness.mjs';
import { apiAs, consoleSignIn } from './_console.mjs';

const QUARTER = '2027-Q2';
const NAME = '2027年第2季度红黄黑榜';

async function phoneSignIn(j, username) {
  const phone = await j.person('phone');
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill(username);
  await phone.getByLabel('密码').fill(DEMO_PASSWORD);
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.locator('.van-tabbar').waitFor();
  await phone.locator('.van-tabbar').getByText('我的', { exact: true }).click();
  await phone.getByText('小区评分').click();
  await phone.waitForURL(/\/h5\/score$/, { waitUntil: 'commit' });
  return phone;
}

export default async function phoneScoring(j) {
  const admin = await apiAs(j, 'admin');
  const street = await apiAs(j, 'street1');
  const secretary = await apiAs(j, 'secretary1');
  const { items } = await secretary.get('/api/v1/compounds?limit=100');
  const compound = items.find(
    (c) => c.property_company && c.owners_committee?.members.some((m) => m.resident_id) && c.buildings.length,
  );
  assert.ok(compound, 'a compound with a property company, a committee and buildings');
  // Journey 15 gave the first member with a resident an account; this one takes the last.
  const member = compound.owners_committee.members.filter((m) => m.resident_id).at(-1);
  const resident = await admin.get(`/api/v1/residents/${member.resident_id}`);
  const tag = Date.now().toString(36);
  const account = (username, role, scope, extra) =>
    admin.post('/api/v1/accounts', { username, display_name: username, password: DEMO_PASSWORD, role, scope_node_id: scope, ...extra });
  await account(`yw${tag}`, 'resident', resident.building_id, { resident_id: member.resident_id });
  await account(`wu${tag}`, 'unit_admin', admin.me.scope.node_id, { unit_id: compound.property_company.id });
  await account(`gw${tag}`, 'grid_worker', compound.buildings[0].grid_id, {});

  const period = await street.post('/api/v1/ranking-periods', { node_id: street.me.scope.node_id, quarter: QUARTER });
  assert.equal(period.name, NAME);
  await street.post(`/api/v1/ranking-periods/${period.id}/state`, { state: 'scoring' });

  // The owners' committee member scores on the phone: every item at its maximum (the form's default).
  const owner = await phoneSignIn(j, `yw${tag}`);
  await owner.getByText('你代表「业委会」评分').waitFor();
  await owner.locator('#h5-score-period').selectOption(String(period.id));
  await owner.locator('#h5-score-compound').selectOption(String(compound.id));
  await j.step(owner, '业委会成员在手机上打开评分表');
  await owner.getByRole('button', { name: '提交评分' }).click();
  await owner.getByText('已提交：100 / 100 分').waitFor();
  await j.step(owner, '业委会评分已提交');

  // The property company scores 60 % of each item.
  const property = await phoneSignIn(j, `wu${tag}`);
  await property.getByText('你代表「物业公司」评分').waitFor();
  await property.locator('#h5-score-period').selectOption(String(period.id));
  await property.locator('#h5-score-compound').selectOption(String(compound.id));
  for (const c of period.criteria.property_company) {
    await property.locator(`#h5-score-c${c.id}`).fill(String(Math.floor(c.max_points * 0.6)));
  }
  await j.step(property, '物业公司在手机上填写评分');
  await property.getByRole('button', { name: '提交评分' }).click();
  await property.getByText('已提交：60 / 100 分').waitFor();
  await j.step(property, '物业公司评分已提交');

  // The community and the grid worker, through the API.
  const sheet = async (username, group, share) => {
    const rater = await apiAs(j, username);
    const scores = period.criteria[group].map((c) => ({ criterion_id: c.id, points: Math.floor(c.max_points * share) }));
    return rater.post(`/api/v1/ranking-periods/${period.id}/score-sheets`, { compound_id: compound.id, group, scores });
  };
  assert.equal((await sheet('secretary1', 'community', 1)).percent, 100);
  assert.equal((await sheet(`gw${tag}`, 'grid_workers', 0.4)).percent, 40);

  await street.post(`/api/v1/ranking-periods/${period.id}/state`, { state: 'published' });
  const red = await street.get(`/api/v1/ranking-periods/${period.id}/standings?list=red&limit=200`);
  const mine = red.items.find((s) => s.compound.id === compound.id);
  assert.ok(mine, 'the compound is on the red list');
  assert.equal(mine.score, 86);

  // The published standing on the console's 小区治理.
  const pc = await j.person('pc');
  await consoleSignIn(j, pc, 'street1');
  await pc.getByRole('menuitem', { name: '小区治理' }).click();
  const line = pc.getByTestId('compounds').locator('tbody tr', { hasText: compound.name });
  await line.getByText(NAME).waitFor();
  await line.getByRole('button', { name: `查看 ${compound.name}` }).click();
  await pc.getByTestId('compound-history').getByText(NAME).waitFor();
  await j.step(pc, '公布后小区治理显示红榜（86.0 分）');
}
