import { describe, expect, it } from 'vitest';
import { ApiError, readCookie } from './api';
import { describeError, fieldErrors } from './errors';
import { i18n, setLocale } from './i18n';

const t = (key: string, named?: Record<string, unknown>) => i18n.global.t(key, named ?? {});

describe('describeError', () => {
  it('names the field in Chinese for a validation error', () => {
    const e = new ApiError(422, { code: 'invalid', message: 'description too long', field: 'description' });
    const shown = describeError(e, t);
    expect(shown.field).toBe('description');
    expect(shown.message).toContain('描述');
    expect(fieldErrors(e, t)).toEqual({ description: shown.message });
  });

  it('falls back to the raw field name when the locale has none', () => {
    const e = new ApiError(422, { code: 'invalid', message: 'bad', field: 'zz_unknown' });
    expect(describeError(e, t).message).toContain('zz_unknown');
  });

  it('maps a server failure and a network failure to a sentence', () => {
    expect(describeError(new ApiError(500, { code: 'boom', message: 'x' }), t).message).toBe(t('common.errors.internal'));
    expect(describeError(new ApiError(0, { code: 'network', message: 'x' }), t).message).toBe(t('common.errors.network'));
  });

  it('switches to English', () => {
    setLocale('en');
    const e = new ApiError(422, { code: 'invalid', message: 'x', field: 'description' });
    expect(describeError(e, t).message).toMatch(/description/i);
    setLocale('zh-CN');
  });
});

describe('readCookie', () => {
  it('finds the CSRF cookie among others', () => {
    expect(readCookie('cg_csrf', 'a=1; cg_csrf=abc%3D; b=2')).toBe('abc=');
    expect(readCookie('cg_csrf', 'a=1')).toBeUndefined();
  });
});
