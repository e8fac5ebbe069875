import type { Command } from 'commander';
import { collect, EXIT, type CliIo } from '../io.js';
import { parseShard } from '../shard.js';
import { DISK_MODE_HELP, parseDiskMode } from '../disk-mode.js';
import { addRenderOptions, renderSettings, settingsFromFlags, type RenderSettings } from '../../render/option-table.js';

/** Render option flags as pipeline defaults; out-of-range values are usage errors here, before any work. */
function renderFlags(o: object): RenderSettings {
  const settings = settingsFromFlags(o as Record<string, unknown>);
  renderSettings(settings);
  return settings;
}

export function registerPipeline(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const log = (line: string) => io.stderr.write(`${line}\n`);
  addRenderOptions(
    program
      .command('plan')
      .description("print, per host, what apply would create, update or leave unchanged (connects read-only; --offline: placement and rendering only); render option flags replace the file's defaults")
      .argument('<pipeline.yaml>', 'pipeline file')
      .option('--offline', 'do not connect: show placement and the rendered VMs and filters')
      .option('--disk-mode <mode>', `${DISK_MODE_HELP}; replaces defaults.diskMode`)
      .option('--shard <i/n|auto>', 'only this shard of the hosts (auto: from GitLab CI_NODE_INDEX/CI_NODE_TOTAL or a Kubernetes Indexed Job JOB_COMPLETION_INDEX + OVFPIPE_SHARD_COUNT)')
      .option('--json', 'print as JSON')
      .option('--html <file>', 'also write the plan as a self-contained HTML report'),
  ).action(async (file: string, o: { offline?: boolean; shard?: string; json?: boolean; html?: string; diskMode?: string }) => {
    const { planCommand } = await import('../pipeline-run.js');
    setExit(
      await planCommand(file, { offline: o.offline, shard: parseShard(o.shard, io.env), json: o.json, html: o.html, renderDefaults: renderFlags(o), diskMode: parseDiskMode(o.diskMode) }, io, log),
    );
  });
  addRenderOptions(
    program
      .command('apply')
      .description("lint, verify, render and deploy every VM of the pipeline; idempotent; render option flags replace the file's defaults")
      .argument('<pipeline.yaml>', 'pipeline file'),
  )
    .option(
      '--shard <i/n|auto>',
      'only this shard of the hosts (one CI runner each; join reports with `report merge`); auto: from GitLab CI_NODE_INDEX/CI_NODE_TOTAL or a Kubernetes Indexed Job JOB_COMPLETION_INDEX + OVFPIPE_SHARD_COUNT',
    )
    .option('--disk-mode <mode>', `${DISK_MODE_HELP}; replaces defaults.diskMode`)
    .option('--report <file>', 'write the run report as JSON')
    .option('--junit <file>', 'write the run report as JUnit XML')
    .option('--json', 'print the run report as JSON on stdout')
    .option('--html <file>', 'write the run report as a self-contained HTML page (timeline, VMs, placement, filter graphs)')
    .action(async (file: string, o: { shard?: string; report?: string; junit?: string; json?: boolean; html?: string; diskMode?: string }) => {
      const { applyCommand } = await import('../pipeline-run.js');
      setExit(
        await applyCommand(
          file,
          { shard: parseShard(o.shard, io.env), report: o.report, junit: o.junit, json: o.json, html: o.html, renderDefaults: renderFlags(o), diskMode: parseDiskMode(o.diskMode) },
          io,
          log,
        ),
      );
    });
  const report = program.command('report').description('run reports');
  report
    .command('merge')
    .description('join shard reports into one (hosts are disjoint across shards)')
    .argument('<files...>', 'JSON reports')
    .requiredOption('-o, --output <file>', 'merged JSON report')
    .option('--junit <file>', 'also write the merged report as JUnit XML')
    .action(async (files: string[], o: { output: string; junit?: string }) => {
      const { mergeCommand } = await import('../pipeline-run.js');
      setExit(await mergeCommand(files, o.output, o.junit, io));
    });
  report
    .command('html')
    .description('write one self-contained HTML page (no network; inline CSS, script and SVG) from run reports (several are merged, as shards) and, with --audit, the drift of an audit')
    .argument('<files...>', 'JSON run reports (apply --report, report merge -o)')
    .requiredOption('-o, --output <file>', 'HTML file to write')
    .option('--audit <file>', 'an audit --json result: adds the drift section')
    .action(async (files: string[], o: { output: string; audit?: string }) => {
      const { reportHtmlCommand } = await import('../report-html-run.js');
      setExit(await reportHtmlCommand(files, o, io));
    });
}

export { collect, EXIT };
