import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CRM_EVENTS, PLACEMENTS, SCORE_FIELD, TIER_FIELD } from '../../src/connectors/bitrix24/bitrix24-setup';

/** The Bitrix24 manifest states what setup binds; the two must never drift apart. */
const manifest = JSON.parse(readFileSync(resolve(__dirname, '../../manifest/bitrix24/app.json'), 'utf8')) as {
  scopes: string[];
  handlers: Record<string, string>;
  placements: string[];
  events: string[];
  userFields: { company: Array<{ name: string }> };
};

it('lists exactly the placements, events and fields that setup binds', () => {
  expect(manifest.placements).toEqual([...PLACEMENTS]);
  expect(manifest.events).toEqual([...CRM_EVENTS]);
  expect(manifest.userFields.company.map((field) => field.name)).toEqual([TIER_FIELD, SCORE_FIELD]);
});

it('names handler paths the HTTP routes serve', () => {
  const routes = readFileSync(resolve(__dirname, '../../src/http/bitrix24.routes.ts'), 'utf8');
  for (const path of Object.values(manifest.handlers)) expect(routes).toContain(`'${path}'`);
  expect(manifest.scopes).toEqual(expect.arrayContaining(['crm', 'placement']));
});
