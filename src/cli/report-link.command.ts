import type { Command } from 'commander';
import { createLiveLinks } from '../app/reports/live-links';
import { createPortfolioReports } from '../app/reports/portfolio-reports';
import { reportSettingsOf } from '../app/reports/report-settings';
import { KamError } from '../core/errors';
import { GRANULARITIES, type Granularity } from '../core/model/periods';
import { configForCommand } from './config-for-command';
import { crmTraits, storeFor } from './report.command';

interface LinkFlags {
  installation?: string;
  period: string;
}

/**
 * `kam report-link create|revoke`: the operator's way to the live CSV link for Google Sheets
 * (the portfolio page offers the same to admins). `create` prints the URL and the IMPORTDATA
 * formula once, as JSON; the token is not stored, so a lost link is replaced, not recovered.
 */
export function registerReportLink(program: Command): void {
  program
    .command('report-link')
    .description('create or revoke the live CSV link of an installation for Google Sheets (=IMPORTDATA)')
    .argument('<action>', 'create or revoke')
    .option('--installation <id>', 'which installation (may be left out when the store holds one)')
    .option('--period <granularity>', 'month, quarter or year: the report period the link serves', 'quarter')
    .action(async (action: string, flags: LinkFlags) => {
      if (action !== 'create' && action !== 'revoke') throw new KamError('INPUT_INVALID', `action: expected create or revoke, got ${JSON.stringify(action)}`);
      if (!GRANULARITIES.includes(flags.period as Granularity)) throw new KamError('INPUT_INVALID', `--period: expected month, quarter or year, got ${JSON.stringify(flags.period)}`);
      const { config } = configForCommand();
      const storage = await storeFor(config, (text) => void process.stderr.write(text));
      try {
        const reports = createPortfolioReports({ storage, settingsOf: reportSettingsOf({ defaultLang: config.defaultLang, traitsOf: crmTraits }) });
        const installation = await reports.resolveInstallation(flags.installation);
        const links = createLiveLinks({ links: storage.reportLinks, publicUrl: config.http.publicUrl });
        const result =
          action === 'create'
            ? await links.create(installation.id, flags.period as Granularity).then(({ url, formula, granularity }) => ({ installationId: installation.id, url, formula, granularity }))
            : { installationId: installation.id, revoked: await links.revoke(installation.id) };
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } finally {
        await storage.close();
      }
    });
}
