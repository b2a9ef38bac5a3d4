// Journey 22: 双报到 as a workflow. A new party member (made through the API by the county admin: an in-service
// member of unit1's unit who lives in secretary1's community) signs in on the phone, fills the registration form
// (community, two skills from the taxonomy, two weekly slots, the 承诺书), the secretary confirms it on the console,
// and the member edits their skills and availability; the profile the server keeps is what the member chose. Last,
// the member checks in to an activity by 扫码签到 (camera and detector stood in for, see scanIn).
import assert from 'node:assert/strict';
import { apiAs, consoleSignIn } from './_console.mjs';
import { newDutyMember, phoneSignIn } from './_duty.mjs';

/** A skill's checkbox by its name alone (Vant's check icon, a glyph of its icon font, comes before the label). */
const exactly = (name) => new RegExp(`^[^\\p{L}\\p{N}]*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'u');

export default async function (j) {
  const who = await newDutyMember(j);
  j.shared.dutyMember = who;
  const skills = (await (await apiAs(j, 'secretary1')).get('/api/v1/duty/skills')).items.filter((s) => !s.retired);
  assert.ok(skills.length >= 3, `the taxonomy offers skills (${skills.length})`);

  const phone = await j.person('phone');
  await phoneSignIn(j, phone, who.username);
  await phone.goto('/h5/duty');
  const entry = phone.locator('.van-cell', { hasText: '填写报到申请' });
  await entry.waitFor();
  await j.step(phone, 'not registered yet: 志愿服务 offers 填写报到申请');

  await entry.click();
  await phone.waitForURL(/\/h5\/duty\/register$/, { waitUntil: 'commit' });
  await phone.locator('#duty-community').selectOption(String(who.community));
  await phone.getByRole('checkbox', { name: exactly(skills[0].name) }).click();
  await phone.getByRole('checkbox', { name: exactly(skills[1].name) }).click();
  await phone.getByRole('button', { name: '添加时段' }).click();
  const second = phone.getByRole('group', { name: '第 2 个时段' });
  await second.getByLabel('可服务的日子').selectOption('3');
  await second.getByLabel('开始').fill('19:00');
  await second.getByLabel('结束').fill('21:00');
  await phone.getByLabel('承诺内容').fill('本人自愿到居住地社区报到，每月参加志愿服务不少于一次。');
  await j.step(phone, 'the 双报到 form filled: community, skills, two weekly slots, 承诺书');

  await phone.getByRole('button', { name: '提交报到申请' }).click();
  await phone.waitForURL(/\/h5\/duty$/, { waitUntil: 'commit' });
  await phone.getByText('待社区确认', { exact: true }).waitFor();
  await j.step(phone, 'requested: 待社区确认');

  const pc = await j.person('pc');
  await consoleSignIn(j, pc, 'secretary1');
  await pc.goto('/console/duty');
  const row = pc.getByTestId('duty-requests').locator('tr', { hasText: who.name });
  await row.getByText('本人自愿到居住地社区报到').waitFor();
  await j.step(pc, 'the secretary sees the request with the commitment');
  await row.getByRole('button', { name: `确认 ${who.name}` }).click();
  await pc.getByText(`已确认 ${who.name} 的报到`).waitFor();
  await j.step(pc, 'confirmed');

  await phone.reload();
  await phone.getByText('已报到').first().waitFor();
  await phone.locator('.van-cell', { hasText: '我的技能与服务时间' }).click();
  await phone.waitForURL(/\/h5\/duty\/profile$/, { waitUntil: 'commit' });
  const first = phone.getByRole('checkbox', { name: exactly(skills[0].name) });
  await first.waitFor();
  assert.equal(await first.getAttribute('aria-checked'), 'true', 'the confirmed request made the skills the profile');
  await j.step(phone, 'my skills and availability, as registered');

  await first.click(); // drop the first skill
  await phone.getByRole('checkbox', { name: exactly(skills[2].name) }).click();
  await phone.getByRole('group', { name: '第 1 个时段' }).getByLabel('结束').fill('09:30');
  await phone.getByRole('button', { name: '保存' }).click();
  await phone.getByText('技能与服务时间已保存').waitFor();
  await j.step(phone, 'skills and availability edited and saved');

  const member = await apiAs(j, who.username);
  const profile = await member.get(`/api/v1/duty/members/${who.memberId}/profile`);
  assert.deepEqual([...profile.skill_ids].sort((a, b) => a - b), [skills[1].id, skills[2].id].sort((a, b) => a - b));
  assert.deepEqual(
    profile.availability.map((s) => `${s.weekday} ${s.start}-${s.end}`).sort(),
    ['3 19:00-21:00', '6 06:30-09:30'],
  );
  assert.equal(profile.community_id, who.community, 'registered with the community asked for');

  await scanIn(j, who);
}

/** The camera path of 扫码签到: the phone's camera and BarcodeDetector are stand-ins (headless Chromium has neither)
 * that "see" the organiser's QR text; the page must open the camera, read the code and check the member in. */
async function scanIn(j, who) {
  const secretary = await apiAs(j, 'secretary1');
  const member = await apiAs(j, who.username);
  const starts = Date.now() + 10 * 60 * 1000;
  const title = `楼道清扫（旅程 22 扫码 ${Date.now() % 100000}）`;
  const activity = await secretary.post('/api/v1/duty/activities', {
    node_id: who.community,
    title,
    category: '环境整治',
    place: [116.3, 39.43],
    place_name: '党群服务中心门前',
    capacity: 5,
    starts_at: new Date(starts).toISOString(),
    ends_at: new Date(starts + 60 * 60 * 1000).toISOString(),
  });
  await member.post(`/api/v1/duty/activities/${activity.id}/signup`, {});
  const code = await secretary.get(`/api/v1/duty/activities/${activity.id}/code?kind=in`);

  const phone = await j.person('phone');
  await phone.addInitScript((qr) => {
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 64;
    canvas.getContext('2d').fillRect(0, 0, 64, 64);
    navigator.mediaDevices.getUserMedia = async () => canvas.captureStream(5);
    window.BarcodeDetector = class {
      static async getSupportedFormats() {
        return ['qr_code'];
      }
      async detect() {
        return [{ rawValue: qr }];
      }
    };
  }, code.qr);
  await phoneSignIn(j, phone, who.username);
  await phone.goto('/h5/duty');
  await phone.locator('.h5-duty-row', { hasText: title }).waitFor();
  await phone.getByRole('button', { name: '扫码签到' }).click();
  await phone.getByText('签到成功').waitFor();
  await j.step(phone, 'scanned the organiser QR code: checked in');
  const mine = (await member.get('/api/v1/duty/signups?limit=200')).items.find((s) => s.activity_id === activity.id);
  assert.ok(mine?.checked_in_at, 'the scan checked the member in');
}
