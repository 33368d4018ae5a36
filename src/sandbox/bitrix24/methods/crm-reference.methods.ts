import type { MethodTable } from '../method-types';
import { asRecord, done, param } from '../method-types';

/**
 * Reference data: crm.status.list (stages with SEMANTICS per pipeline, INDUSTRY, ...),
 * crm.category.list for deals, crm.currency.list
 * (docs:api-reference/crm/status/crm-status-list, docs:api-reference/crm/universal/category/crm-category-list,
 * docs:api-reference/crm/currency/crm-currency-list).
 */
export const crmReferenceMethods: MethodTable = {
  'crm.status.list': (params, ctx) => {
    const filter = asRecord(param(params, 'filter'));
    const rows = ctx.state.statuses.filter((status) =>
      Object.entries(filter).every(([key, value]) => {
        const current = (status as unknown as Record<string, unknown>)[key.replace(/^=/, '').toUpperCase()];
        return Array.isArray(value) ? value.map(String).includes(String(current)) : String(current) === String(value);
      }));
    const order = asRecord(param(params, 'order'));
    if ('SORT' in order || Object.keys(order).length === 0) {
      const desc = String(order.SORT ?? 'ASC').toUpperCase() === 'DESC';
      rows.sort((a, b) => (a.ENTITY_ID === b.ENTITY_ID ? (Number(a.SORT) - Number(b.SORT)) * (desc ? -1 : 1) : 0));
    }
    return done(rows, { total: rows.length, rows: rows.length });
  },
  'crm.category.list': (params, ctx) => {
    if (Number(param(params, 'entityTypeId')) !== 2) return done({ categories: [] }, { total: 0 });
    const categories = ctx.state.portfolio.pipelines.map((pipeline, index) => ({
      id: pipeline.id, name: pipeline.name, sort: (index + 1) * 100, entityTypeId: 2, isDefault: pipeline.id === 0 ? 'Y' : 'N',
    }));
    return done({ categories }, { total: categories.length });
  },
  'crm.currency.list': (_params, ctx) => {
    const latest = new Map<string, number>();
    for (const rate of ctx.state.portfolio.fxRates) latest.set(rate.currency, rate.rate);
    const names: Record<string, string> = { RUB: 'Российский рубль', USD: 'Доллар США', EUR: 'Евро' };
    const rows = ['RUB', 'USD', 'EUR'].map((currency, index) => ({
      CURRENCY: currency, AMOUNT_CNT: '1', AMOUNT: (latest.get(currency) ?? 1).toFixed(4), SORT: String((index + 1) * 100),
      BASE: currency === 'RUB' ? 'Y' : 'N', FULL_NAME: names[currency], LID: 'ru',
      FORMAT_STRING: currency === 'RUB' ? '# руб.' : currency === 'USD' ? '$#' : '&euro;#',
      DEC_POINT: '.', THOUSANDS_SEP: ' ', DECIMALS: '2', DATE_UPDATE: null,
    }));
    return done(rows, { total: rows.length });
  },
};
