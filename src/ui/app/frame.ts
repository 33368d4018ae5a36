import type { CrmLink } from '../api-types';
import type { PageContext } from './context';

/**
 * The CRM around the page. On Bitrix24 the official frame SDK (served by us at
 * /static/b24jssdk.min.js) fits the frame to the content and opens CRM entities in the portal's
 * slider (https://apidocs.bitrix24.com/sdk/bx24-js-sdk/system-functions/bx24-fit-window.html).
 * Outside a portal frame (the sandbox, amoCRM) links open in a new tab.
 */
interface FrameSdk {
  parent: { fitWindow(): Promise<unknown> };
  slider: { openPath(url: URL, width?: number): Promise<unknown> };
}
interface B24JsGlobal {
  initializeB24Frame(): Promise<FrameSdk>;
}

const loadSdk = () =>
  new Promise<B24JsGlobal>((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), { src: '/static/b24jssdk.min.js', async: true });
    script.onload = () => {
      const sdk = (window as unknown as { B24Js?: B24JsGlobal }).B24Js;
      if (sdk) resolve(sdk);
      else reject(new Error('frame SDK missing'));
    };
    script.onerror = () => reject(new Error('frame SDK did not load'));
    document.head.append(script);
  });

export function createFrame(context: PageContext) {
  let sdk: Promise<FrameSdk | null> = Promise.resolve(null);
  // The portal names its app frames "DOMAIN|PROTOCOL|APP_SID"; without that the SDK cannot talk to a parent.
  if (context.crm === 'bitrix24' && window.parent !== window && window.name.split('|').length >= 3) {
    sdk = loadSdk()
      .then((global) => global.initializeB24Frame())
      .catch((error: unknown) => {
        console.warn('Bitrix24 frame SDK unavailable; links open in a new tab', error);
        return null;
      });
  }
  return {
    async fit() {
      await (await sdk)?.parent.fitWindow().catch(() => undefined);
    },
    async open(link: CrmLink) {
      const frame = await sdk;
      if (frame && link.url) {
        const url = new URL(link.url);
        await frame.slider.openPath(url, 1200).catch(() => window.open(link.url ?? '', '_blank', 'noopener'));
      } else if (link.url) window.open(link.url, '_blank', 'noopener');
    },
  };
}

export type Frame = ReturnType<typeof createFrame>;
