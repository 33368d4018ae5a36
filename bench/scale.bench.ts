import os from 'node:os';
import { fmt, load, noter, say } from './bench-kit';
import { JOB_CONCURRENCY, runRound, type RoundResult } from './scale/round';
import { parseScaleFlags, percentiles, perMinute, type ScaleFlags } from './scale/scale-kit';

/**
 * `npm run bench -- scale [--short] [--installations 200] [--workers 1,2,4] [--web 1]
 *  [--events-per-second 200,1000,2000] [--seconds 5] [--no-kill] [--worker-nice 0] [--generators 1] [--companies 20 --contacts 40 --deals 100]
 *  [--seed 11] [--timeout-seconds 900] [--json]`
 * (`--short`: 40 installations, 2 workers, 200 and 1000 events/s for 2 s: about 5 minutes.)
 *
 * The app as a vendor runs it: `kam serve --role web [--processes W]` and N `--role worker` processes on
 * PostgreSQL (pg-boss), serving many small portals: half Bitrix24 sandbox portals, half amoCRM
 * sandbox accounts, each rate-limited as its cloud is (Bitrix24 50 burst + 2/s per portal; amoCRM
 * 7/s per integration and account). Per worker count, on a database and portals of its own:
 * 1. every portal installs the app through its real install path (Bitrix24: installer frame and
 *    ONAPPINSTALL; amoCRM: the OAuth redirect), 8 at a time; the round waits until every
 *    installation's first full pass (sync, evaluate, write back) is done: installations per minute;
 *    with 2+ workers, the first worker seen writing back is SIGKILLed meanwhile (another takes its
 *    job over), and at the end the portals' own state is searched for to-dos and comments written twice;
 * 2. a load generator (a process of its own) sends signed CRM events at each `--events-per-second`
 *    rate in turn for `--seconds` straight to the web port, open-loop (each rate once no cycle job
 *    has waited or run for 6 s, so it meets only the passes it causes): acknowledgement p50/p95/p99/max
 *    and CPU per event of each web process; then, once the marks settle, where each acknowledged
 *    event ended: still a dirty mark, re-read after it was sent, or lost;
 * 3. resident memory of each process, sampled every second; what the portals counted (requests
 *    and rate-limit refusals).
 * Needs PostgreSQL: TEST_DATABASE_URL or DATABASE_URL (a role that may create databases); each
 * round creates its own database and drops it at the end. Loopback only; every child process,
 * portal and database it starts is gone when it returns.
 */
const note = noter('scale');

const BITRIX_BURST = 50;
const BITRIX_DRAIN = 2;
const AMO_RATE = 7;
/** The least time a portal's limit allows for R requests: Bitrix24 from a full bucket, amoCRM at 7 a second. */
const floorSeconds = (crm: string, requests: number): number => (crm === 'bitrix24' ? Math.max(0, requests - BITRIX_BURST) / BITRIX_DRAIN : requests / AMO_RATE);

const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const mb = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');

function report(flags: ScaleFlags, rounds: RoundResult[]): void {
  say('');
  say(`Command: npm run bench -- scale --installations ${flags.installations} --workers ${flags.workers.join(',')} --web ${flags.web} --events-per-second ${flags.rates.join(',')} --seconds ${flags.seconds}${flags.killWorker ? '' : ' --no-kill'}${flags.workerNice ? ` --worker-nice ${flags.workerNice}` : ''} --generators ${flags.generators} --companies ${flags.companies} --contacts ${flags.contacts} --deals ${flags.deals} --seed ${flags.seed}`);
  say(`Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; Node ${process.version}; ${os.cpus().length} cores; load average (1/5/15 min) per round (start -> synced -> after events): ${rounds.map((round) => `${round.workers}w: ${round.loads.join(' -> ')}`).join('; ')}`);
  say('');
  say('| workers | installed (stored by the app / portals; portal saw an error) | first full passes done | s to all synced (from first install) | installations synced / min | s of cycles (first start -> last end) | cycles / min | pass s p50 / p99 | failed jobs |');
  say('|---|---|---|---|---|---|---|---|---|');
  for (const round of rounds) {
    const { sync } = round;
    say(`| ${round.workers} | ${round.installations.installed} / ${round.installations.asked}; ${round.installations.failures.length} | ${sync.completed}${sync.timedOut ? ' (timed out)' : ''} | ${ms(sync.seconds)} | ${perMinute(sync.completed, sync.seconds).toFixed(1)} | ${ms(sync.cycleSeconds)} | ${perMinute(sync.completed, sync.cycleSeconds).toFixed(1)} | ${ms(sync.passSeconds.p50)} / ${ms(sync.passSeconds.p99)} | ${sync.failedJobs} |`);
  }
  say('');
  say('What the portals counted by the time every first pass was done (install, setup, first passes and their echoes), and the least time each portal\'s own limit allows for that many requests:');
  say('');
  say('| workers | CRM | portals | requests (sum) | per portal p50 / max | refused by the limit (429 / QUERY_LIMIT_EXCEEDED) | floor s per portal p50 / max |');
  say('|---|---|---|---|---|---|---|');
  for (const round of rounds) {
    for (const crm of ['bitrix24', 'amocrm'] as const) {
      const rows = round.portals.filter((row) => row.crm === crm);
      if (rows.length === 0) continue;
      const requests = percentiles(rows.map((row) => row.requests));
      const floors = percentiles(rows.map((row) => floorSeconds(crm, row.requests)));
      say(`| ${round.workers} | ${crm} | ${rows.length} | ${fmt(rows.reduce((a, row) => a + row.requests, 0))} | ${requests.p50} / ${requests.max} | ${fmt(rows.reduce((a, row) => a + row.rejected, 0))} | ${floors.p50.toFixed(1)} / ${floors.max.toFixed(1)} |`);
    }
  }
  say('');
  say(`Where the limits bind. Both limits are per portal (Bitrix24: per portal; amoCRM: per integration in one account), so they never cap the fleet as a whole; they set the least time of each installation's pass. With ${JOB_CONCURRENCY} jobs per worker, W workers run at most ${JOB_CONCURRENCY}W passes at once, so the limits alone would allow 60 x ${JOB_CONCURRENCY}W / (mean floor s) installations a minute:`);
  for (const round of rounds) {
    const ceilings = (['bitrix24', 'amocrm'] as const).map((crm) => {
      const rows = round.portals.filter((row) => row.crm === crm);
      const floor = rows.length ? rows.reduce((a, row) => a + floorSeconds(crm, row.requests), 0) / rows.length : 0;
      return `${crm} mean floor ${floor.toFixed(1)} s -> ${floor > 0 ? (perMinute(JOB_CONCURRENCY * round.workers, floor)).toFixed(0) : 'no cap'} / min`;
    });
    say(`- ${round.workers} worker(s): ${ceilings.join('; ')}; measured ${perMinute(round.sync.completed, round.sync.seconds).toFixed(1)} / min.`);
  }
  say('');
  say(`| workers | rate / s | events sent | achieved / s | ack ms p50 / p95 / p99 / max | answers | generator late ms p99 | web CPU ms / event: all (${flags.web > 1 ? 'each process; primary' : 'one process'}) | ended: dirty mark / re-read / LOST | cycle jobs | marks left (settle s) | at rest before (s) | web event-loop delay p99 / max ms |`);
  say('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const round of rounds) {
    if (round.events.length === 0) say(`| ${round.workers} | not run or did not complete (see the notes above) | | | | | | | | | |`);
    for (const e of round.events) {
      const answers = Object.entries(e.statuses).map(([status, n]) => `${status === '0' ? 'failed' : status === '-1' ? 'unanswered' : status}: ${fmt(n)}`).join(', ');
      const each = e.webCpuByProcess.map((proc) => ms(proc.msPerEvent)).join(' / ');
      say(`| ${round.workers} | ${fmt(e.rate)} | ${fmt(e.sent)} over ${fmt(e.targets)} entities | ${e.achievedPerSecond.toFixed(0)} | ${ms(e.ackMs.p50)} / ${ms(e.ackMs.p95)} / ${ms(e.ackMs.p99)} / ${ms(e.ackMs.max)} | ${answers} | ${ms(e.lateMs.p99)} | ${ms(e.webCpuMsPerEvent)} (${each}) | ${fmt(e.fates.marked)} / ${fmt(e.fates.reread)} / ${fmt(e.fates.lost)} | ${fmt(e.passes)} | ${fmt(e.outstandingMarks)} (${e.settleSeconds.toFixed(0)} s) | ${e.quietSeconds.toFixed(0)} | ${e.eventLoop ? `${ms(e.eventLoop.p99)} / ${ms(e.eventLoop.max)}` : '-'} |`);
    }
  }
  say('');
  say('| workers | worker killed while writing back | cycle jobs retried | companies with a tier / companies | to-dos written twice | KPI comments written twice |');
  say('|---|---|---|---|---|---|');
  for (const round of rounds) {
    const kill = round.kill ? `pid ${round.kill.pid} at ${round.kill.atSeconds.toFixed(1)} s` : flags.killWorker && round.workers >= 2 ? 'none seen writing back' : 'not asked (1 worker or --no-kill)';
    const c = round.check;
    say(`| ${round.workers} | ${kill} | ${round.retriedJobs} | ${c ? `${fmt(c.companiesWithTier)} / ${fmt(c.companies)}` : '-'} | ${c ? c.duplicateOpenTodos : '-'} | ${c ? c.duplicateComments : '-'} |`);
  }
  say('');
  say('| workers | process | RSS MB peak / mean |');
  say('|---|---|---|');
  for (const round of rounds) for (const rss of round.rss) say(`| ${round.workers} | ${rss.label} | ${mb(rss.peakMb)} / ${mb(rss.meanMb)} |`);
  say('');
  say('| goal | measured | |');
  say('|---|---|---|');
  const rates = rounds.map((round) => perMinute(round.sync.completed, round.sync.seconds));
  const grows = rates.every((rate, i) => i === 0 || rate > (rates[i - 1] as number));
  say(`| installations synced / min grow with workers (${rounds.map((round) => round.workers).join(', ')}) | ${rates.map((rate) => rate.toFixed(1)).join(', ')} | ${grows ? 'PASS' : 'FAIL'} |`);
  for (const round of rounds) {
    for (const e of round.events) say(`| ${round.workers} worker(s), ${flags.web} web: event ack p99 <= 20 ms at ${fmt(e.rate)}/s | ${ms(e.ackMs.p99)} ms | ${e.ackMs.p99 <= 20 ? 'PASS' : 'FAIL'} |`);
    const lost = round.events.reduce((sum, e) => sum + e.fates.lost, 0);
    const acked = round.events.reduce((sum, e) => sum + e.fates.marked + e.fates.reread + e.fates.lost, 0);
    if (round.events.length > 0) say(`| ${round.workers} worker(s): zero lost events | ${lost} lost of ${fmt(acked)} acknowledged | ${lost === 0 ? 'PASS' : 'FAIL'} |`);
    if (round.kill && round.check) {
      const twice = round.check.duplicateOpenTodos + round.check.duplicateComments;
      say(`| ${round.workers} worker(s): zero duplicates after a worker is killed | ${twice} written twice | ${twice === 0 ? 'PASS' : 'FAIL'} |`);
    }
  }
  for (const round of rounds) if (round.installations.failures.length > 0) say(`- ${round.workers} worker(s), installs the portal saw fail (${round.installations.failures.length}): ${round.installations.failures.slice(0, 5).join('; ')}`);
}

export async function run(args: string[]): Promise<void> {
  const flags = parseScaleFlags(args);
  // The admin URL of a PostgreSQL the bench may create databases on (as the contract tests use).
  const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!adminUrl) {
    // Not an error: `npm run bench` (every bench) goes on to the next one.
    say('scale bench skipped: it runs on PostgreSQL; set TEST_DATABASE_URL (e.g. postgres://kam@127.0.0.1:54329/kam_test), a role that may create databases.');
    return;
  }
  note(`${flags.installations} installations, ${flags.web} web process(es), workers ${flags.workers.join(', ')}, events/s ${flags.rates.join(', ')} for ${flags.seconds} s each; load ${load()}`);
  const rounds: RoundResult[] = [];
  for (const workers of flags.workers) rounds.push(await runRound(flags, workers, adminUrl));
  report(flags, rounds);
  if (flags.json) say(JSON.stringify({ flags, rounds }));
}
