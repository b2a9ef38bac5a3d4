// One i18n set for every page. Locale files are src/locales/<area>.<locale>.json; each becomes the <area> namespace
// (t('console.inbox.title')). Simplified Chinese by default; the choice is kept on the device.
import { createI18n } from 'vue-i18n';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
const STORAGE_KEY = 'cg_locale';

type Messages = Record<string, unknown>;
const files = import.meta.glob<Messages>('../locales/*.json', { eager: true, import: 'default' });

export function buildMessages(): Record<Locale, Messages> {
  const messages: Record<Locale, Messages> = { 'zh-CN': {}, en: {} };
  for (const [path, content] of Object.entries(files)) {
    const match = /\/([a-z0-9-]+)\.(zh-CN|en)\.json$/.exec(path);
    if (!match) continue;
    messages[match[2] as Locale][match[1]] = content;
  }
  return messages;
}

function initialLocale(): Locale {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  return stored === 'en' || stored === 'zh-CN' ? stored : 'zh-CN';
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale() as string,
  fallbackLocale: 'zh-CN',
  messages: buildMessages() as unknown as Record<string, Record<string, string>>,
  missingWarn: false,
  fallbackWarn: false,
});

export function setLocale(locale: Locale): void {
  (i18n.global.locale as unknown as { value: string }).value = locale;
  globalThis.localStorage?.setItem(STORAGE_KEY, locale);
  if (globalThis.document) globalThis.document.documentElement.lang = locale;
}

setLocale(initialLocale());
