import { Router } from 'express';
import { parseFaultSpec } from '../shared/faults';
import { parseBehaviour } from './behaviour';
import type { PortalRuntime } from './portal-runtime';
import { mutatePortal } from './mutator';
import { snapshotState } from './state-snapshot';

/**
 * Sandbox-only controls under /_sandbox (never part of the Bitrix24 API): request statistics,
 * the state clients wrote, simulated user edits, and fault injection and limits at runtime.
 */
export function createControlRouter(runtime: PortalRuntime): Router {
  const router = Router();
  router.get('/_sandbox/stats', (_req, res) => {
    res.json({ ...runtime.stats.snapshot(), batchCommands: runtime.commandStats.snapshot().byMethod });
  });
  router.post('/_sandbox/stats/reset', (_req, res) => {
    runtime.stats.reset();
    runtime.commandStats.reset();
    res.json({ ok: true });
  });
  router.get('/_sandbox/state', (_req, res) => {
    res.json(snapshotState(runtime));
  });
  router.post('/_sandbox/mutate', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const count = Number(body.count);
    const entity = body.entity;
    if (!Number.isInteger(count) || count < 0 || count > 100_000) {
      res.status(400).json({ error: 'INPUT_INVALID', error_description: 'count must be an integer 0..100000' });
      return;
    }
    if (entity !== undefined && entity !== 'deal' && entity !== 'company' && entity !== 'contact') {
      res.status(400).json({ error: 'INPUT_INVALID', error_description: "entity must be 'deal', 'company' or 'contact'" });
      return;
    }
    const mutations = mutatePortal(runtime, { count, entity, seed: body.seed === undefined ? undefined : Number(body.seed) });
    res.json({ mutated: mutations.length, mutations });
  });
  router.get('/_sandbox/faults', (_req, res) => {
    res.json(runtime.faults.spec());
  });
  router.post('/_sandbox/faults', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parsed = parseFaultSpec(typeof body.spec === 'string' ? body.spec : '');
    if (!parsed.ok) {
      res.status(400).json({ error: parsed.error.code, error_description: parsed.error.message });
      return;
    }
    runtime.faults.set(parsed.value);
    res.json(parsed.value);
  });
  router.get('/_sandbox/behaviour', (_req, res) => {
    res.json(runtime.state.behaviour);
  });
  router.post('/_sandbox/behaviour', (req, res) => {
    const parsed = parseBehaviour(req.body);
    if (!parsed.ok) {
      res.status(400).json({ error: 'INPUT_INVALID', error_description: parsed.error });
      return;
    }
    Object.assign(runtime.state.behaviour, parsed.value);
    res.json(runtime.state.behaviour);
  });
  /**
   * A portal address change: same member_id, new domain ("member_id does not change when the
   * address changes": docs:settings/oauth/index). From now on the OAuth answers, events and frames
   * name the new host; the sandbox keeps answering at both. Only loopback names reach it.
   */
  router.post('/_sandbox/address', (req, res) => {
    const host = (req.body as Record<string, unknown> | undefined)?.host;
    if (typeof host !== 'string' || !/^(localhost|127\.\d+\.\d+\.\d+):\d{1,5}$/.test(host)) {
      res.status(400).json({ error: 'INPUT_INVALID', error_description: 'host must be a loopback host:port, e.g. localhost:4000' });
      return;
    }
    runtime.moveTo(host);
    res.json({ domain: runtime.state.app.domain, clientEndpoint: `${runtime.baseUrl()}/rest/`, memberId: runtime.state.app.memberId });
  });
  router.post('/_sandbox/limits', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next: Record<string, number | boolean> = {};
    for (const key of ['burst', 'drainPerSecond', 'operatingLimitSeconds'] as const) {
      if (typeof body[key] === 'number' && (body[key] as number) > 0) next[key] = body[key] as number;
    }
    if (typeof body.enabled === 'boolean') next.enabled = body.enabled;
    if (body.reset === true) runtime.limits.reset();
    runtime.limits.update(next);
    res.json(runtime.limits.settings());
  });
  return router;
}
