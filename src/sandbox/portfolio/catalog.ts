import type { SeedCurrency, SeedPipeline } from './types';

/**
 * Fixed vocabularies of the generated portfolio: industries (Bitrix24 crm_status INDUSTRY
 * codes, docs:api-reference/crm/status/...; CONSTRUCTION and RETAIL are custom entries a
 * portal admin typically adds), pipelines with their stages, products and positions.
 */
export const INDUSTRIES: ReadonlyArray<{ code: string; name: string; weight: number }> = [
  { code: 'MANUFACTURING', name: 'Производство', weight: 16 },
  { code: 'IT', name: 'Информационные технологии', weight: 12 },
  { code: 'CONSTRUCTION', name: 'Строительство', weight: 11 },
  { code: 'RETAIL', name: 'Розничная торговля', weight: 10 },
  { code: 'DELIVERY', name: 'Доставка', weight: 8 },
  { code: 'TELECOM', name: 'Телекоммуникации и связь', weight: 7 },
  { code: 'BANKING', name: 'Банковские услуги', weight: 6 },
  { code: 'FINANCE', name: 'Финансы', weight: 6 },
  { code: 'CONSULTING', name: 'Консалтинг', weight: 7 },
  { code: 'GOVERNMENT', name: 'Государственные учреждения', weight: 4 },
  { code: 'ENTERTAINMENT', name: 'Развлечения', weight: 3 },
  { code: 'NOTPROFIT', name: 'Некоммерческая организация', weight: 2 },
  { code: 'OTHER', name: 'Другое', weight: 9 },
];

/** Pipeline 0 mirrors Bitrix24's default deal stages; the others are typical B2B additions. */
export const PIPELINES: readonly SeedPipeline[] = [
  {
    id: 0,
    name: 'Продажи',
    stages: [
      { code: 'NEW', name: 'Новая', semantics: 'process', sort: 10 },
      { code: 'PREPARATION', name: 'Подготовка документов', semantics: 'process', sort: 20 },
      { code: 'PREPAYMENT_INVOICE', name: 'Счёт на предоплату', semantics: 'process', sort: 30 },
      { code: 'EXECUTING', name: 'В работе', semantics: 'process', sort: 40 },
      { code: 'FINAL_INVOICE', name: 'Финальный счёт', semantics: 'process', sort: 50 },
      { code: 'WON', name: 'Сделка успешна', semantics: 'success', sort: 60 },
      { code: 'LOSE', name: 'Сделка провалена', semantics: 'failure', sort: 70 },
      { code: 'APOLOGY', name: 'Анализ причины провала', semantics: 'failure', sort: 80 },
    ],
  },
  {
    id: 1,
    name: 'Продления',
    stages: [
      { code: 'NEW', name: 'Скоро окончание договора', semantics: 'process', sort: 10 },
      { code: 'PREPARATION', name: 'Переговоры', semantics: 'process', sort: 20 },
      { code: 'EXECUTING', name: 'Согласование договора', semantics: 'process', sort: 30 },
      { code: 'WON', name: 'Продлено', semantics: 'success', sort: 40 },
      { code: 'LOSE', name: 'Не продлено', semantics: 'failure', sort: 50 },
    ],
  },
  {
    id: 2,
    name: 'Тендеры',
    stages: [
      { code: 'NEW', name: 'Анализ тендера', semantics: 'process', sort: 10 },
      { code: 'PREPARATION', name: 'Подготовка заявки', semantics: 'process', sort: 20 },
      { code: 'UC_BID', name: 'Заявка подана', semantics: 'process', sort: 30 },
      { code: 'WON', name: 'Тендер выигран', semantics: 'success', sort: 40 },
      { code: 'LOSE', name: 'Тендер проигран', semantics: 'failure', sort: 50 },
    ],
  },
];

/** Share of deals per pipeline, in PIPELINES order. */
export const PIPELINE_WEIGHTS: readonly number[] = [58, 27, 15];

export const PRODUCTS: readonly string[] = [
  'Поставка оборудования', 'Внедрение CRM', 'Годовой сервисный контракт', 'Лицензии ПО',
  'Поставка комплектующих', 'Монтаж и пусконаладка', 'Аутсорсинг ИТ', 'Консалтинг по процессам',
  'Логистические услуги', 'Обучение персонала', 'Техническая поддержка', 'Поставка материалов',
  'Аренда оборудования', 'Разработка под заказ', 'Аудит безопасности', 'Расширение лицензий',
];

export const POSTS: readonly string[] = [
  'Генеральный директор', 'Коммерческий директор', 'Финансовый директор', 'ИТ-директор',
  'Руководитель отдела закупок', 'Менеджер по закупкам', 'Главный инженер', 'Бухгалтер',
  'Руководитель проекта', 'Операционный директор', 'Юрист', 'Специалист по снабжению',
];

export const LEGAL_FORMS: readonly string[] = ['ООО', 'ООО', 'ООО', 'АО', 'ПАО', 'ИП', 'ГК'];

export const CURRENCY_SHARES: ReadonlyArray<{ currency: SeedCurrency; share: number }> = [
  { currency: 'RUB', share: 0.88 },
  { currency: 'USD', share: 0.08 },
  { currency: 'EUR', share: 0.04 },
];

const TRANSLIT: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k',
  л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts',
  ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};

/** Latin form of a Russian name for e-mail addresses (ivan.petrov@...). */
export function transliterate(text: string): string {
  let out = '';
  for (const char of text.toLowerCase()) out += TRANSLIT[char] ?? (/[a-z0-9]/.test(char) ? char : '');
  return out;
}
