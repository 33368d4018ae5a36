/**
 * The languages KAM Pilot speaks. Numbers, money, dates and plurals are formatted by
 * ./intl-format.ts (Intl); words come from the catalogue (./messages.ts).
 */
export type Lang = 'ru' | 'en';
