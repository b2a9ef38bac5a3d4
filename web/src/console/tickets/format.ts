// Times as people read them: local time, minutes precision.
import { i18n } from '@/shared/i18n';

export function formatTime(iso?: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const locale = (i18n.global.locale as unknown as { value: string }).value;
  return d.toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  });
}

/** Minutes from now until iso (negative when past). */
export function minutesUntil(iso?: string | null, now: number = Date.now()): number | undefined {
  if (!iso) return undefined;
  return Math.round((new Date(iso).getTime() - now) / 60000);
}
