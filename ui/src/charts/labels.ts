// Readable names for the values of each conversation dimension. The raw
// value (what a filter matches) is kept beside the label everywhere.

import type { FilterKey } from '../lib/bindings';

const DEVICE_LABELS: Record<string, string> = {
  desktop: 'Desktop',
  mobile: 'Mobile',
  tablet: 'Tablet',
  other: 'Other',
};

const SOURCE_LABELS: Record<string, string> = {
  web: 'Web',
  whatsapp: 'WhatsApp',
  viber: 'Viber',
  telegram: 'Telegram',
  messenger: 'Messenger',
  instagram: 'Instagram',
  slack: 'Slack',
  sms: 'SMS',
  email: 'Email',
  api: 'API',
  ios: 'iOS',
  android: 'Android',
};

function displayNames(locale: string | undefined, type: 'language' | 'region'): Intl.DisplayNames | null {
  try {
    return new Intl.DisplayNames(locale ? [locale] : undefined, { type, fallback: 'none' });
  } catch {
    return null;
  }
}

export function countryName(code: string, locale?: string): string {
  if (code === 'unknown') return 'Unknown';
  try {
    return displayNames(locale, 'region')?.of(code) ?? code;
  } catch {
    return code;
  }
}

export function languageName(tag: string, locale?: string): string {
  if (tag === 'unknown') return 'Unknown';
  try {
    return displayNames(locale, 'language')?.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

export function valueLabel(key: FilterKey, value: string, locale?: string): string {
  if (value === 'unknown' && key !== 'customer_id') return 'Unknown';
  switch (key) {
    case 'device':
      return DEVICE_LABELS[value] ?? value;
    case 'source':
      return SOURCE_LABELS[value] ?? (value ? value[0].toUpperCase() + value.slice(1) : value);
    case 'language':
      return languageName(value, locale);
    case 'country':
      return countryName(value, locale);
    case 'customer_id':
      return value;
    case 'environment':
      return value ? value[0].toUpperCase() + value.slice(1) : value;
    case 'text':
      return `“${value}”`;
  }
}

export const FILTER_NAMES: Record<FilterKey, string> = {
  source: 'Source',
  device: 'Device',
  language: 'Language',
  country: 'Country',
  customer_id: 'Customer',
  environment: 'Environment',
  text: 'Mentions',
};
