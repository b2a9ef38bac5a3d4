// Times as people read them: the county's wall time (Asia/Shanghai), minutes precision.
import { formatWhen } from '@/shared/when';

export function formatTime(iso?: string | null): string {
  return formatWhen(iso);
}

/** Minutes from now until iso (negative when past). */
export function minutesUntil(iso?: string | null, now: number = Date.now()): number | undefined {
  if (!iso) return undefined;
  return Math.round((new Date(iso).getTime() - now) / 60000);
}
