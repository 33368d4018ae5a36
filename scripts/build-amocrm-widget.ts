import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import AdmZip from 'adm-zip';
import { drawLogo, WIDGET_IMAGES } from './amocrm-widget-images';

/**
 * `npm run widget:amocrm [-- --backend https://kam.example.com] [--out dist/amocrm-widget.zip]`:
 * packs manifest/amocrm into the archive uploaded to amo's integration page
 * (https://www.amocrm.ru/developers/content/integrations/upload): manifest.json, script.js,
 * style.css and i18n/ at the root, images/ drawn here. The backend address comes from
 * --backend or KAM_PUBLIC_URL and is written into script.js; a widget setting can override it.
 */
const ROOT = resolve(__dirname, '..');
export const WIDGET_SOURCE = join(ROOT, 'manifest/amocrm');
const BACKEND_PLACEHOLDER = '__KAM_BACKEND_URL__';
const TEXT_FILES = ['manifest.json', 'script.js', 'style.css'];

export interface BuildOptions {
  sourceDir?: string;
  /** Our public https address; null leaves it to the widget setting. */
  backendUrl: string | null;
}

function checkBackendUrl(value: string | null): string | null {
  if (value === null || value === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`backend address "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`backend address "${value}" must be http(s)`);
  return url.toString().replace(/\/+$/, '');
}

/** Refuses a source that amo would refuse: locales in the manifest without their i18n file. */
function checkLocales(sourceDir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(sourceDir, 'manifest.json'), 'utf8')) as { widget?: { locale?: unknown } };
  const locales = manifest.widget?.locale;
  if (!Array.isArray(locales) || locales.length === 0) throw new Error('manifest.json: widget.locale must list the languages');
  for (const locale of locales) JSON.parse(readFileSync(join(sourceDir, 'i18n', `${String(locale)}.json`), 'utf8'));
  return locales.map(String);
}

export function buildAmoWidget(options: BuildOptions): Buffer {
  const sourceDir = options.sourceDir ?? WIDGET_SOURCE;
  const backend = checkBackendUrl(options.backendUrl);
  const zip = new AdmZip();
  for (const file of TEXT_FILES) {
    let text = readFileSync(join(sourceDir, file), 'utf8');
    if (file === 'script.js') text = text.split(BACKEND_PLACEHOLDER).join(backend ?? '');
    zip.addFile(file, Buffer.from(text, 'utf8'));
  }
  for (const locale of checkLocales(sourceDir)) zip.addFile(`i18n/${locale}.json`, readFileSync(join(sourceDir, 'i18n', `${locale}.json`)));
  for (const image of WIDGET_IMAGES) zip.addFile(`images/${image.file}`, drawLogo(image.width, image.height));
  return zip.toBuffer();
}

function argValue(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

export function main(argv: string[], env: NodeJS.ProcessEnv): string {
  const out = resolve(ROOT, argValue(argv, '--out') ?? 'dist/amocrm-widget.zip');
  const archive = buildAmoWidget({ backendUrl: argValue(argv, '--backend') ?? env['KAM_PUBLIC_URL'] ?? null });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, archive);
  return out;
}

if (require.main === module) {
  try {
    const out = main(process.argv.slice(2), process.env);
    process.stdout.write(`amoCRM widget archive: ${out}\n`);
  } catch (error) {
    process.stderr.write(`widget:amocrm: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
