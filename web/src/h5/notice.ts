// A short message at the bottom of the screen (role="status"), instead of Vant's toast, whose popup is an
// unnamed dialog to screen readers (axe aria-dialog-name).
import { ref } from 'vue';

export const notice = ref('');
let timer: ReturnType<typeof setTimeout> | undefined;

export function notify(message: string, ms = 3000): void {
  notice.value = message;
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    notice.value = '';
  }, ms);
}
