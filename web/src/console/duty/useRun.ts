// The duty screens' one way to call the API: clears the error, runs, shows an ApiError as a sentence naming the field.
import { ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { ApiError } from '@/shared/api';
import { describeError } from '@/shared/errors';

export function useRun() {
  const { t } = useI18n();
  const error = ref('');
  const notice = ref('');
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    error.value = '';
    try {
      await action();
      return true;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      error.value = describeError(e, t).message;
      return false;
    }
  }
  return { t, error, notice, run };
}
