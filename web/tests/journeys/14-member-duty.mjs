// Journey 14: 志愿服务 from creation to approved hours. secretary1 publishes an activity starting in ten minutes
// (through the API), member1 signs up on the phone page, secretary1 shows the check-in code on the console, member1
// types it and is checked in, secretary1 approves the hours, and member1 sees them under 我的服务记录 and in the
// 爱心存折 statement.
import { DEMO_PASSWORD } from '../harness.mjs';
import { apiAs, consoleSignIn } from './_console.mjs';

export default async function (j) {
  const secretary = await apiAs(j, 'secretary1');
  const starts = Date.now() + 10 * 60 * 1000;
  const place = [116.3, 39.43];
  const title = `楼道清扫（旅程 14 ${Date.now() % 100000}）`;
  const activity = await secretary.post('/api/v1/duty/activities', {
    node_id: secretary.me.scope.node_id,
    title,
    category: '环境整治',
    place,
    place_name: '党群服务中心门前',
    capacity: 5,
    starts_at: new Date(starts).toISOString(),
    ends_at: new Date(starts + 60 * 60 * 1000).toISOString(),
  });

  const phone = await j.person('phone');
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill('member1');
  await phone.getByLabel('密码').fill(DEMO_PASSWORD);
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.waitForURL(/\/h5\/board/, { waitUntil: 'commit' });
  await phone.goto('/h5/duty');
  const row = phone.locator('.van-cell', { hasText: title });
  await row.waitFor();
  await j.step(phone, 'member1 sees the activity on 志愿服务');

  await row.getByRole('button', { name: '报名' }).click();
  await row.locator('.h5-duty-state', { hasText: '已报名' }).waitFor();
  await j.step(phone, 'signed up: the activity shows 已报名');

  const pc = await j.person('pc');
  await consoleSignIn(j, pc, 'secretary1');
  await pc.goto('/console/duty');
  await pc.getByRole('tab', { name: '活动' }).click();
  await pc.getByTestId('duty-activities').getByText(title).click();
  await pc.getByRole('button', { name: '签到码' }).click();
  const shown = pc.getByTestId('duty-code');
  await shown.waitFor();
  const code = /\d{8}/.exec(await shown.innerText())[0];
  await j.step(pc, 'the secretary shows the check-in code');

  await phone.getByLabel('签到码（输入或扫码）').fill(code);
  await phone.locator('.h5-duty-row', { hasText: title }).getByRole('button', { name: '签到' }).click();
  await phone.getByText('签到成功').waitFor();
  await j.step(phone, 'member1 typed the code: checked in');

  await pc.getByTestId('duty-activities').getByText(title).click();
  await pc.getByTestId('duty-signups').getByRole('button', { name: /审批时长/ }).click();
  await pc.getByTestId('duty-signups').getByText('60').first().waitFor();
  await j.step(pc, 'hours approved');

  await phone.reload();
  await phone.getByText('已审批 60 分钟').waitFor();
  await j.step(phone, '我的服务记录 shows the approved hours');

  // The approved hours reach the member's 爱心存折 as service minutes, naming the activity.
  await phone.goto('/h5/passbook');
  await phone.locator('.tb-passbook__account', { hasText: '服务时长（分钟）' }).click();
  await phone.locator('.tb-passbook__entry', { hasText: `志愿服务 60 分钟（活动 ${activity.id}）` }).waitFor();
  await j.step(phone, '爱心存折 shows the 60 service minutes of this activity');
}
