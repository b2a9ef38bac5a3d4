import { describe, expect, it } from 'vitest';
import { buildMessages } from './i18n';

function keys(obj: unknown, prefix = ''): string[] {
  if (typeof obj !== 'object' || obj === null) return [prefix];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('locale files', () => {
  const messages = buildMessages();
  it('have every key in both locales', () => {
    const zh = new Set(keys(messages['zh-CN']));
    const en = new Set(keys(messages.en));
    expect([...zh].filter((k) => !en.has(k))).toEqual([]);
    expect([...en].filter((k) => !zh.has(k))).toEqual([]);
    expect(zh.size).toBeGreaterThan(10);
  });
  it('have no empty text', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const empty = keys(messages[locale]).filter((k) => {
        const v = k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], messages[locale]);
        return typeof v !== 'string' || v.trim() === '';
      });
      expect(empty).toEqual([]);
    }
  });
});
