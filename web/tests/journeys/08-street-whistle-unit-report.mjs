// 街道吹哨、部门报到: a street admin calls two departments in on a demand and sees their report clocks; the unit
// admin of one of them reports in on the console, and the street sees it.
import assert from 'node:assert/strict';
import { consoleSignIn, residentTicket } from './_console.mjs';

export default async function streetWhistle(j) {
  const ticket = await residentTicket(
    j,
    '东方街北社区路口井盖松动，车辆经过声音很大，存在安全隐患',
    (c) => c.name.includes('井盖'),
  );

  const street = await j.person('pc');
  await consoleSignIn(j, street, 'street1');
  await street.goto(`/console/tickets/${ticket.id}`);
  await street.getByTestId('ticket-state').getByText('待受理').waitFor();
  await j.step(street, '街道管理员打开工单');

  await street.getByRole('button', { name: '吹哨', exact: true }).click();
  const dialog = street.getByRole('dialog', { name: /吹哨/ });
  // unit1 administers 县委办公室; a second department joins it.
  for (const name of ['县委办公室', '县住建局']) {
    await dialog.getByText(name, { exact: true }).click();
    assert.ok(await dialog.getByRole('checkbox', { name }).isChecked(), name);
  }
  await dialog.getByLabel('报到时限（分钟）').fill('45');
  await dialog.getByLabel('说明').fill('井盖松动，请住建和县委办到现场会商');
  await j.step(street, '吹哨：呼叫两个部门');

  await dialog.getByRole('button', { name: '确定' }).click();
  await street.getByTestId('ticket-state').getByText('吹哨处置中').waitFor();
  const clocks = street.getByTestId('report-clock');
  await clocks.nth(1).waitFor();
  assert.equal(await clocks.count(), 2);
  for (const text of await clocks.allTextContents()) assert.match(text, /剩余 4\d 分钟/);
  await j.step(street, '两个部门的报到计时');

  const unit = await j.person('pc');
  await consoleSignIn(j, unit, 'unit1');
  await unit.getByRole('menuitem', { name: '工单受理' }).click();
  await unit.getByRole('tab', { name: '吹哨处置中' }).click();
  await unit.getByRole('link', { name: ticket.number }).click();
  await unit.getByTestId('ticket-state').getByText('吹哨处置中').waitFor();
  await j.step(unit, '单位管理员看到被呼叫的工单');

  await unit.getByRole('button', { name: '报到', exact: true }).click();
  const report = unit.getByRole('dialog', { name: '报到' });
  await report.getByLabel('说明').fill('县委办已到现场，协调住建局今日更换井盖');
  await report.getByRole('button', { name: '确定' }).click();
  await unit.getByTestId('timeline').getByText('部门报到').waitFor();
  await unit.getByText(/已于 .* 报到/).waitFor();
  assert.equal(await unit.getByRole('button', { name: '报到', exact: true }).count(), 0);
  await j.step(unit, '部门已报到');

  // The street's page follows the ticket's event stream: the report appears without a reload.
  await street.getByText('县委办已到现场，协调住建局今日更换井盖').first().waitFor();
  await street.getByText(/已于 .* 报到/).waitFor();
  await j.step(street, '街道看到报到情况');
}
