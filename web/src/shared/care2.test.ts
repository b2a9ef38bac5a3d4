import { describe, expect, it } from 'vitest';
import { ruleKey, stageKey } from './care2';
import { buildMessages } from './i18n';

describe('care2 labels', () => {
  it('names what raised the alert', () => {
    expect(ruleKey({ rule: 'flow', basis: 'fixed' })).toBe('care2.rule.flow');
    expect(ruleKey({ rule: 'silence', basis: 'fixed' })).toBe('care2.rule.silence');
    expect(ruleKey({ rule: 'silence', basis: 'profile' })).toBe('care2.rule.profile');
  });

  it('says how far an alert went, acknowledgement first', () => {
    expect(stageKey({ acknowledged_at: null, escalated_at: null, contacted_at: null })).toBe('care2.stage.assigned');
    expect(stageKey({ acknowledged_at: null, escalated_at: 'x', contacted_at: null })).toBe('care2.stage.escalated');
    expect(stageKey({ acknowledged_at: null, escalated_at: 'x', contacted_at: 'y' })).toBe('care2.stage.contacted');
    expect(stageKey({ acknowledged_at: 'z', escalated_at: 'x', contacted_at: 'y' })).toBe('care2.stage.acknowledged');
  });

  it('has every key in both locales', () => {
    const m = buildMessages() as unknown as Record<string, { care2: { rule: Record<string, string>; stage: Record<string, string> } }>;
    for (const locale of ['zh-CN', 'en']) {
      for (const k of ['silence', 'profile', 'flow']) expect(m[locale].care2.rule[k]).toBeTruthy();
      for (const k of ['assigned', 'escalated', 'contacted', 'acknowledged']) expect(m[locale].care2.stage[k]).toBeTruthy();
    }
  });
});
