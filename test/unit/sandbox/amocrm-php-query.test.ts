import { parsePhpQuery } from '../../../src/sandbox/amocrm/php-query';

/** PHP's parse_str, as amo's backend reads a query string (https://www.php.net/manual/en/function.parse-str.php). */
describe('parsePhpQuery', () => {
  it('keeps the last value of a repeated key, nested or not, in its first position', () => {
    expect(parsePhpQuery('page=1&filter[updated_at][from]=5&limit=250&page=2&filter[updated_at][from]=9')).toEqual({
      page: '2', filter: { updated_at: { from: '9' } }, limit: '250',
    });
    expect(parsePhpQuery('filter[id][0]=1&filter[id][0]=2')).toEqual({ filter: { id: ['2'] } });
  });

  it('collects keys ending in [] into a list, encoded brackets included', () => {
    expect(parsePhpQuery('filter[id][]=1&filter%5Bid%5D%5B%5D=3&with=contacts')).toEqual({ filter: { id: ['1', '3'] }, with: 'contacts' });
  });

  it('decodes + as a space, keeps a malformed escape as written, and takes no query as empty', () => {
    expect(parsePhpQuery('query=%D0%90%D0%BB%D1%8C%D1%84%D0%B0+LLC&bad=%E0%A4%A&flag')).toEqual({ query: 'Альфа LLC', bad: '%E0%A4%A', flag: '' });
    expect(parsePhpQuery(null)).toEqual({});
    expect(parsePhpQuery('')).toEqual({});
  });
});
