import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'acorn';
import type { Node } from 'acorn';
import AdmZip from 'adm-zip';
import { PNG } from 'pngjs';
import { buildAmoWidget, main } from '../../../scripts/build-amocrm-widget';
import { MAX_IMAGE_BYTES, WIDGET_IMAGES } from '../../../scripts/amocrm-widget-images';
import { i18nKeysUsedIn, lookup } from './amocrm-widget-env';

/** The archive as amo receives it (reference §5: structure, manifest, moderation rules). */
type Json = Record<string, unknown>;

describe('amoCRM widget archive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-widget-'));
  const out = main(['--out', join(dir, 'widget.zip')], { KAM_PUBLIC_URL: 'https://kam.example.com/' });
  const zip = new AdmZip(readFileSync(out));
  const text = (name: string): string => {
    const entry = zip.getEntry(name);
    if (!entry) throw new Error(`${name} is not in the archive`);
    return entry.getData().toString('utf8');
  };
  const manifest = JSON.parse(text('manifest.json')) as { widget: Json; locations: string[]; settings: Record<string, { name: string }>; advanced: { title: string } };
  const locales = { ru: JSON.parse(text('i18n/ru.json')) as Json, en: JSON.parse(text('i18n/en.json')) as Json };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the widget files at the archive root', () => {
    const names = zip.getEntries().map((entry) => entry.entryName).sort();
    expect(names).toEqual(['i18n/en.json', 'i18n/ru.json', ...WIDGET_IMAGES.map((image) => `images/${image.file}`).sort(), 'manifest.json', 'script.js', 'style.css']);
  });

  it('declares the card panels, settings and advanced settings, two locales and support', () => {
    expect(manifest.locations).toEqual(['lcard-1', 'ccard-1', 'comcard-1', 'settings', 'advanced_settings']);
    expect(manifest.widget).toEqual(expect.objectContaining({
      interface_version: 2, installation: true, locale: ['ru', 'en'], init_once: expect.any(Boolean), version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      support: { link: expect.stringMatching(/^https:\/\//), email: expect.stringContaining('@') },
    }));
    const keys = [manifest.widget['name'], manifest.widget['description'], manifest.widget['short_description'], manifest.advanced.title,
      ...Object.values(manifest.settings).map((setting) => setting.name)];
    for (const [lang, strings] of Object.entries(locales)) {
      for (const key of keys) expect([lang, key, typeof lookup(strings, String(key))]).toEqual([lang, key, 'string']);
    }
  });

  it('has the same keys in both languages, and every key script.js uses', () => {
    const flatKeys = (value: Json, prefix = ''): string[] => Object.entries(value).flatMap(([key, item]) =>
      item !== null && typeof item === 'object' ? flatKeys(item as Json, `${prefix}${key}.`) : [`${prefix}${key}`]);
    expect(flatKeys(locales.en).sort()).toEqual(flatKeys(locales.ru).sort());
    const used = i18nKeysUsedIn(text('script.js'));
    expect(used.length).toBeGreaterThan(15);
    for (const key of used) {
      expect([key, lookup(locales.ru, key)]).toEqual([key, expect.stringMatching(/\S/)]);
      expect([key, lookup(locales.en, key)]).toEqual([key, expect.stringMatching(/\S/)]);
    }
    expect(lookup(locales.ru, 'panel.reasons')).not.toBe(lookup(locales.en, 'panel.reasons'));
  });

  it('draws every image at its documented size, under 300 KB', () => {
    for (const image of WIDGET_IMAGES) {
      const data = zip.getEntry(`images/${image.file}`)?.getData() ?? Buffer.alloc(0);
      const png = PNG.sync.read(data);
      expect([image.file, png.width, png.height]).toEqual([image.file, image.width, image.height]);
      expect(data.length).toBeLessThan(MAX_IMAGE_BYTES);
    }
  });

  it('ships script.js as one readable ES5 AMD module with the backend address built in', () => {
    const source = text('script.js');
    const program = parse(source, { ecmaVersion: 5, sourceType: 'script' }) as unknown as { body: Node[] };
    expect(program.body).toHaveLength(1);
    const call = (program.body[0] as unknown as { expression: { type: string; callee: { name: string }; arguments: Array<{ type: string; elements?: Array<{ value: unknown }> }> } }).expression;
    expect(call.type).toBe('CallExpression');
    expect(call.callee.name).toBe('define');
    expect(call.arguments.map((arg) => arg.type)).toEqual(['ArrayExpression', 'FunctionExpression']);
    expect(call.arguments[0]?.elements?.map((element) => element.value)).toEqual(['jquery']);
    // Unminified: many short lines, comments kept.
    expect(source.split('\n').length).toBeGreaterThan(150);
    expect(source).toContain("var BUILT_IN_BACKEND_URL = 'https://kam.example.com';");
  });

  it('refuses a backend address that is not an http(s) URL, and leaves it empty when none is given', () => {
    expect(() => buildAmoWidget({ backendUrl: 'ftp://kam.example.com' })).toThrow('must be http(s)');
    expect(() => buildAmoWidget({ backendUrl: 'kam.example.com' })).toThrow('is not a URL');
    const bare = new AdmZip(buildAmoWidget({ backendUrl: null })).getEntry('script.js')?.getData().toString('utf8') ?? '';
    expect(bare).toContain("var BUILT_IN_BACKEND_URL = '';");
  });
});
