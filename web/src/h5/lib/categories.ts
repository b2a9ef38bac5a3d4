// The county's categories, fetched once per page load (and kept on the phone for offline writing), with their
// names in the chosen language.
import { ref } from 'vue';
import { api, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';

export type Category = components['schemas']['Category'];
const STORAGE_KEY = 'cg_h5_categories';

export const categories = ref<Category[]>(cached());
let loading: Promise<Category[]> | null = null;

function cached(): Category[] {
  try {
    const parsed = JSON.parse(globalThis.localStorage?.getItem(STORAGE_KEY) ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as Category[]) : [];
  } catch {
    return [];
  }
}

/** Fetches the categories; on failure keeps the cached ones and rethrows. */
export function loadCategories(): Promise<Category[]> {
  loading ??= ok(api.GET('/api/v1/categories'))
    .then((res) => {
      categories.value = res.items ?? [];
      try {
        globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(categories.value));
      } catch {
        /* storage full: the list is only a convenience */
      }
      return categories.value;
    })
    .catch((e) => {
      loading = null;
      throw e;
    });
  return loading;
}

export function categoryName(c: Category, locale: string): string {
  return locale === 'en' && c.name_en ? c.name_en : (c.name ?? '');
}

/** The name of category `id` in the locale, or `fallback` (the server's name) when unknown. */
export function categoryLabel(id: number | undefined, locale: string, fallback = ''): string {
  const c = categories.value.find((x) => x.id === id);
  return c ? categoryName(c, locale) : fallback;
}
