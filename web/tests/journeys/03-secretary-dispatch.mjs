// The secretary finds the resident's 随手拍 in the console inbox, accepts it and puts it on the board with the
// dispatch dialog; the timeline shows both. Alone, it files its own demand as resident1 first.
import assert from 'node:assert/strict';
import { consoleSignIn, residentTicket } from './_console.mjs';

export default async function secretaryDispatch(j) {
  j.shared.ticket ??= await residentTicket(j, '楼下老人家的洗衣机坏了，希望有党员志愿者帮忙看看');
  const { id, number } = j.shared.ticket;

  const page = await j.person('pc');
  await consoleSignIn(j, page, 'secretary1');
  await j.step(page, '书记登录管理后台');

  await page.getByRole('menuitem', { name: '工单受理' }).click();
  await page.getByRole('tab', { name: /待受理/ }).waitFor();
  const link = page.getByRole('link', { name: number });
  // Keyset pages: the new ticket has the highest id, so it is on the last page of 待受理.
  const more = page.getByRole('button', { name: '加载更多' });
  for (;;) {
    // Either the ticket or the next page's button, once the page has loaded (slow under a debug build).
    await link.or(more).first().waitFor();
    if (await link.isVisible()) break;
    await more.click();
  }
  await j.step(page, '待受理中找到居民的诉求');

  await link.click();
  await page.getByTestId('timeline').getByText('提交诉求').waitFor();
  await page.getByTestId('ticket-state').getByText('待受理').waitFor();
  assert.match(page.url(), new RegExp(`/console/tickets/${id}$`));
  await j.step(page, '工单详情');

  await page.getByRole('button', { name: '受理', exact: true }).click();
  await page.getByTestId('ticket-state').getByText('已受理').waitFor();
  await page.getByTestId('timeline').getByText('受理', { exact: true }).waitFor();
  await j.step(page, '已受理');

  await page.getByRole('button', { name: '派单', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: '派单' });
  await dialog.getByRole('radio').first().waitFor();
  const board = dialog.getByRole('radio', { name: /点单栏/ });
  assert.equal(await board.count(), 1, `the category of ${number} does not go on the order board (public_board)`);
  await board.check();
  await dialog.getByLabel('说明').fill('请在社区报到的党员认领');
  await j.step(page, '派单对话框：上架到点单栏');

  await dialog.getByRole('button', { name: '确定' }).click();
  await dialog.waitFor({ state: 'hidden' }); // closed, not half-way through its fade-out
  await page.getByTestId('ticket-state').getByText('待认领').waitFor();
  await page.getByTestId('timeline').getByText('上架到社区点单栏').waitFor();
  await page.getByTestId('timeline').getByText('请在社区报到的党员认领').waitFor();
  await j.step(page, '时间线显示已上架点单栏');

  await page.getByRole('menuitem', { name: '点单栏' }).click();
  await page.getByRole('link', { name: number }).waitFor();
  await j.step(page, '点单栏里有这张工单');
}
