// The county admin imports a residents CSV saved by Excel in GBK with one bad row and sees that row marked
// (nothing is written); then opens a resident, reveals the phone with a stated reason, and finds the reveal in
// the audit log.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { signInConsole, webDir } from '../harness.mjs';

const FIXTURE = resolve(webDir, 'tests/fixtures/residents-gbk.csv'); // line 4 has a wrong ID check digit

export default async function adminImportReveal(j) {
  const page = await j.person('pc');
  j.allow(page, /\/api\/v1\/me → 401/); // the sign-in page asks who is signed in first
  await signInConsole(page, 'admin');
  await page.getByTestId('signed-in-name').waitFor();
  await j.step(page, '县管理员登录管理后台');

  // Import: the server answers 422 with the row-by-row report; the page marks line 4.
  j.allow(page, /\/api\/v1\/imports\/residents → 422/);
  await page.getByRole('menuitem', { name: '导入' }).click();
  await page.getByRole('heading', { name: '导入' }).waitFor();
  await page.getByLabel('CSV 文件').setInputFiles(FIXTURE);
  await page.getByTestId('import-rows').getByText('孙小明').waitFor(); // decoded from GBK in the browser
  await j.step(page, '选择 GBK 编码的居民 CSV');
  await page.getByRole('button', { name: '上传并导入' }).click();
  const summary = page.getByTestId('import-summary');
  await summary.getByText(/导入未执行：共 3 行，1 行有错误/).waitFor();
  const issues = page.getByTestId('import-issues');
  await issues.getByText('身份证号码校验位错误').waitFor();
  assert.match(await issues.locator('tbody tr').first().innerText(), /^4\s/, 'the issue names line 4');
  const bad = page.getByTestId('import-rows').locator('tr.cg-import-bad');
  assert.equal(await bad.count(), 1, 'exactly one row marked');
  assert.match(await bad.innerText(), /孙小明/);
  assert.match(await bad.innerText(), /身份证号码校验位错误/);
  await j.step(page, '出错的第 4 行被标出，未写入');

  // A resident, masked; the reveal asks for a reason first.
  await page.getByRole('menuitem', { name: '人员' }).click();
  const table = page.getByTestId('residents');
  const row = table.locator('tbody tr', { hasText: '****' }).first();
  await row.waitFor();
  const maskedPhone = (await row.locator('td').nth(4).innerText()).trim();
  assert.match(maskedPhone, /^\d{3}\*{4}\d{4}$/);
  await row.getByRole('button', { name: /查看/ }).click();
  const dialog = page.getByRole('dialog', { name: '居民信息' });
  await dialog.getByTestId('phone').getByText(maskedPhone).waitFor();
  await j.step(page, '打开居民：手机号脱敏');

  await dialog.getByRole('button', { name: '查看完整信息' }).click();
  await dialog.getByRole('button', { name: '确认查看' }).click();
  await dialog.getByText('请填写查看原因').waitFor(); // no reason, no reveal
  await dialog.getByLabel('查看原因').fill('入户走访需电话联系本人');
  const [response] = await Promise.all([
    page.waitForResponse((r) => /\/api\/v1\/residents\/\d+\/pii(\?|$)/.test(r.url())),
    dialog.getByRole('button', { name: '确认查看' }).click(),
  ]);
  const residentId = Number(/residents\/(\d+)\/pii/.exec(response.url())[1]);
  const phone = dialog.getByTestId('phone');
  await phone.getByText(/^\d{11}$/).waitFor();
  const full = (await phone.innerText()).trim();
  assert.equal(full.slice(0, 3), maskedPhone.slice(0, 3));
  assert.equal(full.slice(-4), maskedPhone.slice(-4));
  await dialog.getByText('本次查看已记入审计日志').waitFor();
  await j.step(page, '说明原因后查看完整手机号');
  await dialog.getByRole('button', { name: /Close|关闭/ }).click();

  // The reveal is in the audit log, newest first.
  await page.getByRole('menuitem', { name: '审计日志' }).click();
  await page.getByRole('combobox', { name: '操作' }).click();
  await page.getByRole('option', { name: /pii\.reveal/ }).click();
  await page.getByRole('listbox').waitFor({ state: 'hidden' }); // the dropdown closed again
  const audit = page.getByTestId('audit');
  const first = audit.locator('tbody tr').first();
  await first.getByText(`resident #${residentId}`).waitFor();
  assert.match(await first.innerText(), /查看完整个人信息/);
  assert.match(await first.innerText(), /入户走访需电话联系本人/, 'the stated reason is in the audit entry');
  await j.step(page, '审计日志中找到这次查看');
  j.shared.reveal = { residentId };

  // 统计排名: the county's rates, six months of trend from one request, the streets ranked.
  const trendCalls = [];
  page.on('request', (r) => r.url().includes('/api/v1/stats/rates/trend') && trendCalls.push(r.url()));
  await page.getByRole('menuitem', { name: '统计排名' }).click();
  await page.getByRole('heading', { name: '近六个月走势' }).waitFor();
  await page.getByRole('heading', { name: /下级排名/ }).waitFor();
  await page.locator('canvas').nth(1).waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(trendCalls.length, 1, `the trend in one request: ${trendCalls.join(', ')}`);
  assert.match(trendCalls[0], /months=6/);
  await j.step(page, '统计排名：三率、近六个月走势、街道排名');
}
