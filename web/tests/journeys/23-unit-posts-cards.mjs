// Journey 23: a unit's 双报到. unit1's unit is registered with a community and offers a post (through the API);
// unit1 sees the post on the console and fills it with the member of journey 22, reads the quarter's service cards
// and downloads them as CSV and XLSX (real files: BOM + the member's row; a ZIP whose sheet names the member). Then
// secretary1 cancels an activity the member signed up for, and the member reads the notice on the phone.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { apiAs, consoleSignIn } from './_console.mjs';
import { phoneSignIn, registeredMember, unzip } from './_duty.mjs';

/** unit1's registration with a community (pairing the unit with the member's community when it has no pairing). */
async function unitRegistration(j, who) {
  const unit = await apiAs(j, 'unit1');
  const existing = (await unit.get(`/api/v1/duty/unit-registrations?unit_id=${who.unitId}`)).items;
  if (existing.length) return { unit, registration: existing[0] };
  const record = await unit.get(`/api/v1/units/${who.unitId}`);
  let community = record.pairings.find((p) => p.node_kind === 'community')?.node_id;
  if (!community) {
    await (await apiAs(j, 'admin')).post(`/api/v1/units/${who.unitId}/pairings`, { node_id: who.community });
    community = who.community;
  }
  return { unit, registration: await unit.post('/api/v1/duty/unit-registrations', { unit_id: who.unitId, community_id: community }) };
}

async function downloaded(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return readFile(await download.path());
}

async function postAndCards(j, who) {
  const { unit, registration } = await unitRegistration(j, who);
  const skill = (await unit.get('/api/v1/duty/skills')).items.find((s) => !s.retired);
  const title = `法律咨询岗（旅程 23 ${Date.now() % 100000}）`;
  await unit.post(`/api/v1/duty/unit-registrations/${registration.id}/posts`, { title, skill_id: skill.id, headcount: 2 });
  const listed = await unit.get(`/api/v1/duty/unit-registrations/${registration.id}/posts`);
  assert.ok(listed.items.some((p) => p.title === title), 'the unit lists the post it created');

  const pc = await j.person('pc');
  await consoleSignIn(j, pc, 'unit1');
  await pc.goto('/console/duty-units');
  const row = pc.getByTestId('duty-posts').locator('tr', { hasText: title });
  await row.getByText('0 / 2').waitFor();
  await j.step(pc, 'the unit admin sees its posts');

  await row.getByRole('button', { name: `查看 ${title}` }).click();
  const post = pc.getByTestId('duty-post');
  await post.getByLabel('按姓名查找').fill(who.name);
  await post.locator('label.el-radio', { hasText: who.name }).click();
  await post.getByRole('button', { name: '认领岗位' }).click();
  await pc.getByText(`${who.name} 已认领“${title}”`).waitFor();
  await row.getByText('1 / 2').waitFor();
  await j.step(pc, 'the post filled with the member');

  await pc.getByRole('tab', { name: '季度服务卡' }).click();
  await pc.getByTestId('duty-cards').locator('tr', { hasText: who.name }).getByText(title).waitFor();
  await j.step(pc, 'the quarterly service cards of the unit');

  const csv = await downloaded(pc, '下载 CSV');
  assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV opens with a UTF-8 BOM (Excel)');
  const lines = csv.toString('utf8').slice(1).split(/\r?\n/);
  assert.ok(lines.length >= 2, 'a header and rows');
  assert.ok(lines.some((l) => l.includes(who.name) && l.includes(title)), 'the member has a row naming the post');

  const xlsx = await downloaded(pc, '下载 Excel');
  assert.equal(xlsx.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004', 'the XLSX is a ZIP');
  const files = await unzip(xlsx);
  assert.ok(files['[Content_Types].xml'] && files['xl/workbook.xml'], 'an Office Open XML workbook');
  const text = Object.entries(files)
    .filter(([name]) => name.startsWith('xl/'))
    .map(([, data]) => data.toString('utf8'))
    .join('\n');
  assert.ok(text.includes(who.name), 'the workbook names the member');
  return pc;
}

async function cancelAndNotice(j, who) {
  const secretary = await apiAs(j, 'secretary1');
  const member = await apiAs(j, who.username);
  const starts = Date.now() + 2 * 24 * 60 * 60 * 1000;
  const title = `义诊服务（旅程 23 ${Date.now() % 100000}）`;
  const activity = await secretary.post('/api/v1/duty/activities', {
    node_id: who.community,
    title,
    category: '健康服务',
    place: [116.3, 39.43],
    place_name: '社区卫生服务站',
    capacity: 10,
    starts_at: new Date(starts).toISOString(),
    ends_at: new Date(starts + 2 * 60 * 60 * 1000).toISOString(),
  });
  await member.post(`/api/v1/duty/activities/${activity.id}/signup`, {});

  const pc = await j.person('pc');
  await consoleSignIn(j, pc, 'secretary1');
  await pc.goto('/console/duty');
  await pc.getByRole('tab', { name: '活动' }).click();
  await pc.getByTestId('duty-activities').getByText(title).click();
  await pc.getByRole('button', { name: '取消活动' }).click();
  await pc.locator('.el-popconfirm__action').getByRole('button', { name: '取消活动' }).click();
  await pc.getByText(`活动“${title}”已取消，已通知报名党员`).waitFor();
  await pc.getByTestId('duty-activities').locator('tr', { hasText: title }).getByText('已取消').waitFor();
  await j.step(pc, 'the organiser cancelled the activity');

  const phone = await j.person('phone');
  await phoneSignIn(j, phone, who.username);
  await phone.goto('/h5/duty');
  await phone.locator('.van-cell', { hasText: '活动通知' }).click();
  await phone.waitForURL(/\/h5\/duty\/notices$/, { waitUntil: 'commit' });
  await phone.locator('.h5-duty-notice', { hasText: '活动已取消' }).first().waitFor();
  // The start time reads as people write it, not as an ISO timestamp.
  await phone
    .locator('.h5-duty-notice', { hasText: /\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}）已取消/ })
    .first()
    .waitFor();
  await j.step(phone, 'the member reads the cancellation notice');
  const notices = (await member.get('/api/v1/duty/notices')).items;
  assert.ok(notices.some((n) => n.activity_id === activity.id && n.kind === 'activity_cancelled'), 'the notice names the activity');
}

export default async function (j) {
  const who = await registeredMember(j);
  await postAndCards(j, who);
  await cancelAndNotice(j, who);
}
