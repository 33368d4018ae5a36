import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import qs from 'qs';
import { KamError } from '../../../src/core/errors';
import { dirtyMarkOf, parseBitrix24Event, type Bitrix24Event } from '../../../src/connectors/bitrix24/bitrix24-event';

const SAMPLES = join(__dirname, '../../../webhooks/bitrix24');
const eventSamples = readdirSync(SAMPLES)
  .filter((file) => file.startsWith('on') && file.endsWith('.txt'))
  .map((file) => file.replace(/\.txt$/, ''));

/** A raw form body, decoded the way express.urlencoded({ extended: true }) does (qs). */
const decode = (name: string): Record<string, unknown> => qs.parse(readFileSync(join(SAMPLES, `${name}.txt`), 'utf8').trim()) as Record<string, unknown>;
const sampleJson = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(SAMPLES, `${name}.json`), 'utf8')) as Record<string, unknown>;

function parsed(body: unknown): Bitrix24Event {
  const result = parseBitrix24Event(body);
  if (!result.ok) throw result.error;
  return result.value;
}

function event(name: string, id?: unknown): Bitrix24Event {
  return parsed({ event: name, data: id === undefined ? {} : { FIELDS: { ID: id } }, auth: { member_id: 'm', application_token: 't' } });
}

describe('parseBitrix24Event on the sandbox samples (webhooks/bitrix24)', () => {
  it('has the samples the README lists', () => {
    expect(eventSamples.sort()).toEqual(
      ['onappinstall', 'onappuninstall', 'onappupdate', 'oncrmcompanyadd', 'oncrmcompanyupdate', 'oncrmcontactupdate', 'oncrmdealadd', 'oncrmdealdelete', 'oncrmdealupdate'].sort(),
    );
  });

  it.each(eventSamples)('%s: the raw body decodes to the .json and parses', (name) => {
    const body = decode(name);
    expect(body).toEqual(sampleJson(name));
    const value = parsed(body);
    expect(value.event).toBe(name.toUpperCase());
    expect(value.auth.member_id).toBe('23d8b07b432be167797c103ccfd1bac4');
    expect(value.auth.application_token).toBe('51856fefc120afa4b628cc82d3935cce');
  });

  it('ONAPPINSTALL carries both tokens and numeric expiries', () => {
    const value = parsed(decode('onappinstall'));
    expect(value.auth).toMatchObject({
      access_token: '0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6',
      refresh_token: '9a8b7c6d5e4f30211203f4e5d6c7b8a9f0e1d2c3',
      expires: 1795343643,
      expires_in: 3600,
      user_id: '1',
      client_endpoint: 'http://127.0.0.1:40123/rest/',
    });
    expect(value.data).toMatchObject({ VERSION: '1', INSTALLED: 'Y' });
  });

  it('ONAPPUNINSTALL parses without any tokens', () => {
    const value = parsed(decode('onappuninstall'));
    expect(value.auth.access_token).toBeUndefined();
    expect(value.auth.refresh_token).toBeUndefined();
    expect(value.data).toEqual({ LANGUAGE_ID: 'ru', CLEAN: '1' });
  });

  it('the installer frame POST is not an event', () => {
    const result = parseBitrix24Event(sampleJson('installer-frame'));
    expect(result.ok).toBe(false);
  });

  it.each([
    ['application_token', 'auth.application_token'],
    ['member_id', 'auth.member_id'],
  ])('missing auth[%s] -> INPUT_INVALID naming %s', (field, path) => {
    const body = decode('oncrmdealupdate');
    const auth = { ...(body.auth as Record<string, unknown>) };
    delete auth[field];
    const result = parseBitrix24Event({ ...body, auth });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(KamError);
    expect(result.error.code).toBe('INPUT_INVALID');
    expect(result.error.message).toContain(path);
  });

  it('an empty application_token is as bad as a missing one', () => {
    const body = decode('oncrmdealupdate');
    const result = parseBitrix24Event({ ...body, auth: { ...(body.auth as object), application_token: '' } });
    expect(result.ok).toBe(false);
  });

  it('a body without auth at all (automation-triggered change) is INPUT_INVALID naming auth', () => {
    const { auth: _auth, ...body } = decode('oncrmdealupdate');
    const result = parseBitrix24Event(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('auth');
  });

  it.each([null, 'text', 42, []])('rejects a non-object body (%p) without throwing', (body) => {
    expect(parseBitrix24Event(body).ok).toBe(false);
  });

  it('upper-cases the event name', () => {
    expect(event('onCrmDealUpdate', '5').event).toBe('ONCRMDEALUPDATE');
  });
});

describe('dirtyMarkOf', () => {
  it.each([
    ['ONCRMDEALADD', 'deal', 'upsert'],
    ['ONCRMDEALUPDATE', 'deal', 'upsert'],
    ['ONCRMDEALDELETE', 'deal', 'delete'],
    ['ONCRMCOMPANYADD', 'company', 'upsert'],
    ['ONCRMCOMPANYUPDATE', 'company', 'upsert'],
    ['ONCRMCOMPANYDELETE', 'company', 'delete'],
    ['ONCRMCONTACTADD', 'contact', 'upsert'],
    ['ONCRMCONTACTUPDATE', 'contact', 'upsert'],
    ['ONCRMCONTACTDELETE', 'contact', 'delete'],
  ])('%s -> %s %s', (name, kind, action) => {
    expect(dirtyMarkOf(event(name, '51'))).toEqual({ kind, crmId: '51', action });
  });

  it('reads the samples as sent', () => {
    expect(dirtyMarkOf(parsed(decode('oncrmdealupdate')))).toEqual({ kind: 'deal', crmId: '12', action: 'upsert' });
    expect(dirtyMarkOf(parsed(decode('oncrmdealdelete')))).toEqual({ kind: 'deal', crmId: '51', action: 'delete' });
    expect(dirtyMarkOf(parsed(decode('oncrmcompanyadd')))).toEqual({ kind: 'company', crmId: '21', action: 'upsert' });
  });

  it('accepts a numeric id', () => {
    expect(dirtyMarkOf(event('ONCRMDEALUPDATE', 7))).toEqual({ kind: 'deal', crmId: '7', action: 'upsert' });
  });

  it.each([['abc'], ['12a'], [''], ['-3'], ['1.5'], [null], [{ id: 1 }], [undefined]])('a non-numeric ID (%p) -> INPUT_INVALID KamError', (id) => {
    const mark = dirtyMarkOf(event('ONCRMDEALUPDATE', id));
    expect(mark).toBeInstanceOf(KamError);
    expect(mark).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('data.FIELDS.ID') });
  });

  it.each(['ONAPPINSTALL', 'ONAPPUNINSTALL', 'ONAPPUPDATE', 'ONCRMLEADADD', 'ONCRMDEALUPDATEX', 'ONCRMACTIVITYADD', 'ONTASKADD'])('%s -> null', (name) => {
    expect(dirtyMarkOf(event(name, '5'))).toBeNull();
  });
});
