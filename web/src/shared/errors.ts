// API errors as a person wants them: which field, and what to do, in their language.
import type { ApiError } from './api';

type Translate = (key: string, named?: Record<string, unknown>) => string;

export interface ShownError {
  field?: string;
  message: string;
}

const KNOWN = new Set([
  'invalid', 'validation_failed', 'not_found', 'unauthenticated', 'forbidden', 'conflict', 'version_conflict',
  'invalid_transition', 'too_large', 'locked', 'unavailable', 'internal', 'network', 'csrf_failed',
  'password_change_required', 'rate_limited',
]);

/** Message for an ApiError: a known code in the locale, the field named when there is one. */
export function describeError(error: ApiError, t: Translate): ShownError {
  const code = KNOWN.has(error.code) ? error.code : error.status >= 500 ? 'internal' : 'unknown';
  if (error.field && (code === 'invalid' || code === 'validation_failed' || code === 'conflict')) {
    const field = t(`common.fields.${error.field}`);
    const named = field.startsWith('common.fields.') ? error.field : field;
    return { field: error.field, message: t(`common.errors.${code}_field`, { field: named }) };
  }
  return { message: t(`common.errors.${code}`, { retry: error.retryAfter ?? 5 }) };
}

/** Element-Plus / Vant form errors: { fieldName: message } for the field the server named. */
export function fieldErrors(error: ApiError, t: Translate): Record<string, string> {
  const shown = describeError(error, t);
  return shown.field ? { [shown.field]: shown.message } : {};
}
