import { describe, expect, it } from 'vitest';
import { ApiError } from '@/shared/api';
import { asApiError, online } from './online';

describe('asApiError', () => {
  it('passes an ApiError through and leaves the network state alone', () => {
    online.value = true;
    const e = new ApiError(422, { code: 'invalid', message: 'bad', field: 'description' } as never);
    expect(asApiError(e)).toBe(e);
    expect(online.value).toBe(true);
  });

  it('turns a failed fetch into a network error and marks the phone offline', () => {
    online.value = true;
    const error = asApiError(new TypeError('Failed to fetch'));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('network');
    expect(online.value).toBe(false);
  });
});
