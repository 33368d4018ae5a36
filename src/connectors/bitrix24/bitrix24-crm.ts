import { KamError } from '../../core/errors';
import type { CrmConnector, CrmSession, CrmSlot, CrmTraits } from '../../core/ports/crm-connector.port';
import type { Installation } from '../../core/ports/installation-store.port';
import type { Storage } from '../../core/ports/storage.port';
import type { Logger } from '../../logging/logger';
import { tierListSignature } from '../shared/tier-list';
import { createBitrix24Connector, type Bitrix24Connector, type Bitrix24Settings } from './bitrix24-connector';
import { createBitrix24Inbound } from './bitrix24-inbound';
import { BITRIX24_LINKS } from './bitrix24-links';
import { DEFAULT_FIELD_MAP } from './bitrix24-mapper';
import { createBitrix24Reader } from './bitrix24-reader';
import { readReferenceData } from './bitrix24-reference';
import { setupBitrix24Portal } from './bitrix24-setup';
import { createBitrix24Writer, type TierFields } from './bitrix24-writer';

/**
 * Bitrix24 behind the generic CRM port: one session per installation over the portal's client,
 * limiter and meter (bitrix24-connector.ts); setup's memory (field names, tier item ids, the
 * app's user) is the slot the app keeps in `installation.settings.bitrix24`.
 */
export interface Bitrix24Slot extends TierFields {
  contact: TierFields | null;
  appUserId: string | null;
  /** The tier list setup last made the field carry (tierListSignature); absent in slots of older setups. */
  tierList?: string;
}

export const BITRIX24_TRAITS: CrmTraits = {
  kind: 'bitrix24',
  // The portal's own "my company" records are the seller, never an account.
  ownCompanyField: 'isMyCompany',
  defaultFieldMap: { ...DEFAULT_FIELD_MAP },
  // crm.currency.base answers on the first reference read; until then, the CRM's own default.
  defaultCurrency: 'RUB',
};

const isTierFields = (value: unknown): value is TierFields =>
  typeof value === 'object' && value !== null && typeof (value as TierFields).tierField === 'string' && typeof (value as TierFields).tierItemIds === 'object';

export function asBitrix24Slot(slot: CrmSlot | null): Bitrix24Slot | null {
  if (!slot || !isTierFields(slot)) return null;
  return {
    ...slot,
    contact: isTierFields(slot.contact) ? slot.contact : null,
    appUserId: typeof slot.appUserId === 'string' ? slot.appUserId : null,
    ...(typeof slot.tierList === 'string' ? { tierList: slot.tierList } : {}),
  };
}

export type Bitrix24Crm = CrmConnector & Pick<Bitrix24Connector, 'portal' | 'callWithToken'>;

export function createBitrix24Crm(deps: { settings: Bitrix24Settings; storage: Storage; logger: Logger; portalHosts: RegExp }): Bitrix24Crm {
  const connector = createBitrix24Connector(deps);
  const sessions = new Map<string, CrmSession>();

  const session = (installation: Installation): CrmSession => {
    const cached = sessions.get(installation.id);
    if (cached) return cached;
    const { client, meter } = connector.portal(installation);
    const created: CrmSession = {
      async setUp(options) {
        const result = await setupBitrix24Portal({ client, publicUrl: options.publicUrl, lang: options.lang, tiers: options.tiers, contactFields: options.contactFields });
        const slot: Bitrix24Slot = { tierField: result.tierField, scoreField: result.scoreField, tierItemIds: result.tierItemIds, contact: result.contact, appUserId: result.appUserId, tierList: result.tierList };
        return { slot: { ...slot }, created: result.created };
      },
      readReference: () => readReferenceData(client),
      reader: (options) => createBitrix24Reader(client, options),
      writer(slot) {
        const fields = asBitrix24Slot(slot);
        if (!fields) throw new KamError('CONFLICT', 'Bitrix24 writer asked for before setup: the installation has no tier fields');
        return createBitrix24Writer({ client, tierField: fields.tierField, scoreField: fields.scoreField, tierItemIds: fields.tierItemIds, contact: fields.contact });
      },
      requests: () => meter.snapshot(),
      watchRequests: (listener) => meter.watch(listener),
      inPhase: (phase, work) => meter.inPhase(phase, work),
    };
    sessions.set(installation.id, created);
    return created;
  };

  return {
    traits: BITRIX24_TRAITS,
    links: BITRIX24_LINKS,
    inbound: createBitrix24Inbound({
      installations: deps.storage.installations,
      frameVerdicts: deps.storage.frameChecks,
      rateBuckets: deps.storage.rateBuckets,
      portalHosts: deps.portalHosts,
      callWithToken: (endpoint, method, token) => connector.callWithToken(endpoint, method, token),
      identify: (refreshToken) => connector.identify(refreshToken),
      checkFrameUser: async (installation, accessToken) => {
        const portal = connector.portal(installation);
        await connector.callWithToken(installation.clientEndpoint as string, 'user.current', accessToken, portal.limiter, portal.meter);
      },
    }),
    session,
    isSetUp(slot, options) {
      const fields = asBitrix24Slot(slot);
      // A saved tier change (id added, renamed, relabelled) makes setup run again to relist the field.
      return fields !== null && (!options.contactFields || fields.contact !== null) && fields.tierList === tierListSignature(options);
    },
    forget(installationId) {
      sessions.delete(installationId);
      connector.forget(installationId);
    },
    portal: (installation) => connector.portal(installation),
    callWithToken: (...args) => connector.callWithToken(...args),
  };
}
