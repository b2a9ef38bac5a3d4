// Anyone opening civicgrid's address finds the three entries, in Chinese, and can switch to English.
import assert from 'node:assert/strict';

export default async function landing(j) {
  const page = await j.person('pc');
  await page.goto('/');
  await page.getByRole('heading', { name: '党建引领基层治理平台' }).waitFor();
  for (const href of ['/console/', '/h5/', '/screen/']) {
    assert.equal(await page.locator(`a[href="${href}"]`).count(), 1, `entry ${href}`);
  }
  await j.step(page, '首页三个入口');

  await page.getByLabel('语言').selectOption('en');
  await page.getByRole('heading', { name: 'Party-led community governance' }).waitFor();
  await j.step(page, 'English');
  await page.getByLabel('Language').selectOption('zh-CN');
  await page.getByRole('heading', { name: '党建引领基层治理平台' }).waitFor();

  // The pages are served with a CSP that forbids inline script, and hashed assets are long-cached.
  const res = await page.request.get('/');
  assert.match(res.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  const phone = await j.person('phone');
  await phone.goto('/');
  await phone.locator('a[href="/h5/"]').waitFor();
  await j.step(phone, '手机上的首页');
}
