import type { CrmLink } from '../api-types';
import type { PageContext } from './context';

/**
 * The CRM around the page. On Bitrix24 the official frame SDK (served by us at
 * /static/b24jssdk.min.js) fits the frame to the content and opens CRM entities in the portal's
 * slider (https://apidocs.bitrix24.com/sdk/bx24-js-sdk/system-functions/bx24-fit-window.html,
 * https://apidocs.bitrix24.com/sdk/bx24-js-sdk/additional-functions/bx24-open-path.html). A CRM
 * link is a real anchor with `target="_top"`: where the SDK is not there (another frame, amoCRM's
 * iframe, the SDK refused) the CRM card replaces the whole CRM page, never our frame alone.
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
  // Known once the SDK answered: a click decides at once whether the slider takes it.
  let ready: FrameSdk | null = null;
  // The portal names its app frames "DOMAIN|PROTOCOL|APP_SID"; without that the SDK cannot talk to a parent.
  if (context.crm === 'bitrix24' && window.parent !== window && window.name.split('|').length >= 3) {
    sdk = loadSdk()
      .then((global) => global.initializeB24Frame())
      .catch((error: unknown) => {
        console.warn('Bitrix24 frame SDK unavailable; CRM links open in the top window', error);
        return null;
      });
    void sdk.then((frame) => (ready = frame));
  }
  return {
    async fit() {
      await (await sdk)?.parent.fitWindow().catch(() => undefined);
    },
    /** A click on a CRM link: the portal's slider when the SDK is there, else the anchor's own _top navigation. */
    follow(event: MouseEvent, link: CrmLink) {
      if (!ready || !link.url || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      const url = link.url;
      ready.slider.openPath(new URL(url), 1200).catch(() => window.top?.location.assign(url));
    },
  };
}

export type Frame = ReturnType<typeof createFrame>;
