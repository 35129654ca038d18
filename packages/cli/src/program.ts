import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import * as fs from 'node:fs';
import { GeoparamError, MAX_SEED } from '@geoparam/core';
import { lockOutputDir, toFileSystemError, type OutputLock } from '@geoparam/core/node';
import { EXIT_CODES, exitCodeOf } from './exit-codes';
import { BACKEND_CHOICES } from './backends';
import * as path from 'node:path';
import { PERTURB_DEFAULTS, runPerturb } from './commands/perturb';
import { runDoctor } from './commands/doctor';
import { runReproduceVision } from './commands/reproduce-vision';
import { EXPERIMENT_DEFAULTS, runReproduce } from './commands/reproduce';
import { UCI_DEFAULTS, runReproduceUci } from './commands/reproduce-uci';
import { runWorker } from './commands/worker';
import { runSweepCancel, runSweepClean, runSweepStatus } from './commands/sweep';
import { runReport } from './commands/report';
import { VISION_DEFAULTS, redactQueueUrls } from '@geoparam/experiments';
import { UCI_DATASETS } from '@geoparam/datasets';
import { METHODS, VARIANTS } from '@geoparam/parameterizations';

const METHOD_CHOICES = METHODS.map((m) => m.aliases[0]).join(', ');
const VARIANT_CHOICES = VARIANTS.map((v) => v.key).join(', ');

function parseNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError(`"${value}" is not a finite number.`);
  return parsed;
}

function parseInteger(value: string): number {
  const parsed = parseNumber(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError(`"${value}" is not an integer.`);
  return parsed;
}

function parsePositiveInteger(value: string): number {
  const parsed = parseInteger(value);
  if (parsed <= 0) throw new InvalidArgumentError(`"${value}" is not a positive integer.`);
  return parsed;
}

function parseNonNegativeInteger(value: string): number {
  const parsed = parseInteger(value);
  if (parsed < 0) throw new InvalidArgumentError(`"${value}" is not a non-negative integer.`);
  return parsed;
}

function parsePositiveNumber(value: string): number {
  const parsed = parseNumber(value);
  if (parsed <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number.`);
  return parsed;
}

/** Seeds in [0, MAX_SEED]: larger ones used to wrap silently (4294967296 ran as seed 0). */
function parseSeed(value: string): number {
  const parsed = parseInteger(value);
  if (parsed < 0 || parsed > MAX_SEED) throw new InvalidArgumentError(`"${value}" is not a seed in [0, ${MAX_SEED}].`);
  return parsed;
}

function nonEmpty<T>(value: string, parts: T[]): T[] {
  if (parts.length === 0) throw new InvalidArgumentError(`"${value}" names nothing: give at least one comma-separated value.`);
  return parts;
}

function parseNumberList(value: string): number[] {
  const parts = value.split(',').map((part) => part.trim());
  return nonEmpty(value, parts.every((part) => part === '') ? [] : parts.map(parseNumber));
}

function parseList(value: string): string[] {
  return nonEmpty(value, value.split(',').map((part) => part.trim()).filter(Boolean));
}

function parseEpochList(value: string): number[] {
  return parseNumberList(value).map((n) => parsePositiveInteger(String(n)));
}

/** Options that only mean something together with another one: `--target` without `--csv` is a mistake. */
const REQUIRES: Record<string, Record<string, string>> = {
  uci: { target: 'csv' },
  report: { sweep: 'queue' },
};

// src/ and dist/ both sit beside package.json.
const VERSION = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

export interface Io {
  log: (line: string) => void;
  error: (line: string) => void;
}

/** What one invocation holds while its command runs. */
export interface Session {
  /** Errors as JSON lines on stderr (`--json`). */
  json: boolean;
  command?: Command;
  lock?: OutputLock;
}

export function createProgram(io: Io, session: Session = { json: false }): Command {
  const program = new Command('geoparam')
    .description('Geometric parameterization (GmP) and CAB analysis of ReLU networks (Chen & Ge, NeurIPS 2024)')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.log(s.trimEnd()), writeErr: (s) => (session.json ? undefined : io.error(s.trimEnd())) });
  // Door checks shared by every command, before any work: options that do not apply, and an
  // output directory that is a file, not writable or in use by another run.
  program.hook('preAction', (_, command) => {
    session.command = command;
    for (const [option, needs] of Object.entries(REQUIRES[command.name()] ?? {})) {
      if (command.getOptionValueSource(option) === 'cli' && command.getOptionValue(needs) === undefined) {
        command.error(`error: option '--${option}' applies only together with --${needs}`, { exitCode: EXIT_CODES.usage, code: 'geoparam.usage' });
      }
    }
    const out = command.getOptionValue('out') as unknown;
    if (typeof out === 'string') session.lock = lockOutputDir(out, redactQueueUrls(['geoparam', ...process.argv.slice(2)].join(' ')));
  });

  program
    .command('perturb')
    .description('Figure 1: how far a ReLU unit\'s boundary turns and moves when every parameter is perturbed by δ, under SP, WN and GmP')
    .option('--seed <n>', 'seed of the unit\'s weights', parseSeed, PERTURB_DEFAULTS.seed)
    .option('--scale <s>', 'w, b ~ scale·N(0, 1)', parsePositiveNumber, PERTURB_DEFAULTS.scale)
    .option('--deltas <list>', 'comma-separated perturbation sizes', parseNumberList, PERTURB_DEFAULTS.deltas)
    .option('--methods <list>', `comma-separated parameterizations (${METHOD_CHOICES})`, parseList, PERTURB_DEFAULTS.methods)
    .addOption(new Option('--backend <name>', 'compute backend').choices(BACKEND_CHOICES).default(PERTURB_DEFAULTS.backend))
    .option('--out <dir>', 'where results.json and the figure go', PERTURB_DEFAULTS.out)
    .option('--json', 'print machine-readable results instead of tables', false)
    .option('--no-figures', 'skip rendering the SVG/PNG figure')
    .action(async (options) => runPerturb(options, io.log));

  program
    .command('doctor')
    .description('which backends load here (WASM SIMD/threads, the WebGPU adapter and whether it is a real GPU), and for CUDA the expected vs found libtensorflow, CUDA and cuDNN')
    .option('--json', 'machine-readable output', false)
    .option('--no-gpu-check', 'skip running a TensorFlow op to see whether it lands on a GPU')
    .action(async (options) => runDoctor(options, io.log));

  const reproduce = program.command('reproduce').description('reproduce an experiment of the paper');
  for (const experiment of ['levy', 'banana'] as const) {
    const defaults = EXPERIMENT_DEFAULTS[experiment];
    const command = reproduce
      .command(experiment)
      .description(
        experiment === 'levy'
          ? 'Figure 2: 1-D Levy regression with SP, WN, BN and GmP, CAB evolution and stability'
          : 'Figure 3: 2-D Banana classification with SP, WN, BN and GmP, CAB trajectories, decision boundary and stability',
      )
      .option('--seed <S>', `the data draw (np.random.seed(S) with --data-draw reference) and the first initialization seed (the paper: 0)`, parseSeed, 0)
      .option('--seeds <N>', 'initializations S, S+1, …, S+N−1 per method on each data draw', parsePositiveInteger, defaults.seeds)
      .option('--data-seeds <M>', 'repeat the study over data draws S, …, S+M−1', parsePositiveInteger, 1)
      .addOption(
        new Option('--data-draw <source>', "reference: the reference code's numpy draws; own: geoparam's SeedStream")
          .choices(['reference', 'own'])
          .default('reference'),
      )
      .addOption(new Option('--backend <name>', 'compute backend').choices(BACKEND_CHOICES).default('wasm'))
      .option('--methods <list>', `comma-separated methods (${METHOD_CHOICES})`, parseList, ['sp', 'wn', 'bn', 'gmp'])
      .option('--out <dir>', 'where results.json, manifest.json and the figures go', path.join('geoparam-out', experiment))
      .option('--epochs <n>', `maximum epochs (paper: ${defaults.epochs})`, parsePositiveInteger, defaults.epochs)
      .addOption(
        new Option(
          '--protocol <name>',
          experiment === 'levy'
            ? 'what LR schedule and early stopping watch: paper = the training loss, as the reference (the test grid is never looked at); validation = 20% of the training points'
            : 'what LR schedule and early stopping watch: validation = 20% of the training split; paper = the test split, as the reference (optimistic); refit = validation, then each run retrained from its initialization on the whole training split (more steps per epoch) for its best validation epoch count with the same LR drops, and that model tested',
        )
          .choices(experiment === 'levy' ? ['validation', 'paper'] : ['validation', 'paper', 'refit'])
          .default(defaults.protocol),
      )
      .option('--stability-steps <n>', 'steps recorded in the lr 0.1 stability run', parsePositiveInteger, defaults.stabilitySteps)
      .option('--json', 'print results.json instead of the table', false)
      .option('--no-figures', 'skip rendering the SVG/PNG figures')
      .option('--resume', 'continue an interrupted run in --out: its finished methods and seed runs are reused, the method in progress trains again', false)
      .addOption(
        new Option('--queue <url>', 'submit the runs (one job per method × data draw) to geoparam workers on this Redis (redis[s]://[user:password@]HOST:PORT[/db]) and follow them; rerunning reuses jobs.jsonl in --out; Ctrl-C detaches').conflicts('resume'),
      )
      .option('--job-timeout <seconds>', 'with --queue: time limit of one job', parsePositiveInteger);
    if (experiment === 'banana') {
      command.option('--data-dir <path>', 'a local banana.csv or its directory (default: download once, verify sha256, cache)');
    }
    command.action(async (options) => runReproduce(experiment, options, io.log));
  }

  for (const architecture of ['vgg6', 'resnet'] as const) {
    const command = reproduce
      .command(architecture)
      .description(
        architecture === 'vgg6'
          ? 'Table 2: VGG-6 with SP, WN, WN+MBN, BN, GmP and GmP+IMN on MNIST, CIFAR-10 or ImageNet32'
          : 'Table 3: ResNet-18/34 (ImageNet stem) or a CIFAR ResNet with GmP+IMN, WN+MBN and BN',
      )
      .addOption(new Option('--dataset <name>', 'image data').choices(['mnist', 'cifar10', 'imagenet32']).default('cifar10'))
      .option('--data-dir <path>', 'local copy of the data (MNIST IDX files, CIFAR-10 batches or archive, ImageNet32 npz)')
      .option('--holdout', 'split the given set 80/20 instead of the official train/test split (e.g. the small shared subsets)', false)
      .option('--train-limit <n>', 'train on a seeded subset of this many images', parsePositiveInteger)
      .option('--test-limit <n>', 'validate and test on a seeded subset of this many test images (quick checks, e.g. on a software GPU; noisier tables)', parsePositiveInteger)
      .option('--batch-size <list>', 'comma-separated batch sizes (a sweep, like Table 2)', parseEpochList, [256])
      .option('--width <w>', 'scale every channel count (1 = the paper; 0.125 for CPU-sized runs)', parsePositiveNumber, architecture === 'vgg6' ? 0.125 : 0.25)
      .option('--epochs <n>', 'maximum epochs (the reference: 500, with early stopping)', parsePositiveInteger, 3)
      .option('--schedule <epochs>', 'step schedule: comma-separated epochs after which the learning rate is multiplied by 0.1 (default: reduce on plateau of validation top-5)', parseEpochList, [])
      .option('--lr <rate>', 'learning rate for every variant (default: the paper\'s per variant)', parsePositiveNumber)
      .option('--momentum <m>', 'SGD momentum', parseNumber, 0.9)
      .option('--methods <list>', `comma-separated variants (${VARIANT_CHOICES})`, parseList, architecture === 'vgg6' ? VARIANTS.map((v) => v.key) : ['wn+mbn', 'bn', 'gmp+imn'])
      .option('--seed <S>', `seed of the holdout split, the --train-limit and --test-limit subsets, and the first initialization seed (0 to ${MAX_SEED})`, parseSeed, 0)
      .option('--seeds <N>', 'initializations S, S+1, …, S+N−1 (with their batch order and flips) per variant and batch size; tables show mean ± s.e.', parsePositiveInteger, VISION_DEFAULTS.seeds)
      .option(
        '--recalibrate-stats <N>',
        'before each evaluation, re-estimate every running statistic (BN, WN+MBN, IMN) from N training batches, weights untouched; 0 = off (the running averages training keeps)',
        parseNonNegativeInteger,
        VISION_DEFAULTS.recalibrateStats,
      )
      .addOption(new Option('--backend <name>', 'compute backend').choices(BACKEND_CHOICES).default('wasm'))
      .option('--out <dir>', 'results.json, manifest.json and the accuracy curves', path.join('geoparam-out', architecture))
      .option('--json', 'print results.json instead of the table', false)
      .option('--no-figures', 'skip rendering the SVG/PNG figure')
      .option('--resume', 'continue an interrupted run: finished runs from partial.json in --out, the interrupted one from its checkpoint', false)
      .addOption(
        new Option('--queue <url>', 'submit the runs (one job each) to geoparam workers on this Redis (redis[s]://[user:password@]HOST:PORT[/db]) and follow them; rerunning reuses jobs.jsonl in --out; Ctrl-C detaches').conflicts('resume'),
      )
      .option('--job-timeout <seconds>', 'with --queue: time limit of one run', parsePositiveInteger);
    if (architecture === 'resnet') command.addOption(new Option('--depth <d>', 'ResNet depth').choices(['18', '34', 'cifar']).default('cifar'));
    command.action(async (options) => runReproduceVision({ ...options, architecture }, io.log));
  }

  reproduce
    .command('uci')
    .description('Table 1: UCI regression, test RMSE mean ± s.e. over random 80/20 splits, runs spread over worker processes')
    .addOption(new Option('--datasets <list>', `comma-separated (${Object.keys(UCI_DATASETS).join(', ')})`).argParser(parseList).default(UCI_DEFAULTS.datasets).conflicts('csv'))
    .option('--methods <list>', `comma-separated methods (${METHOD_CHOICES})`, parseList, ['sp', 'wn', 'bn', 'gmp'])
    .option('--splits <n>', 'random 80/20 splits per data set (at most 1000)', parsePositiveInteger, 10)
    .option('--seed <n>', `seed of initialization and batch order, and of the splits with --data-draw own (0 to ${MAX_SEED}); reference splits use random_state = split`, parseSeed, 0)
    .addOption(
      new Option('--data-draw <source>', "reference: split k = scikit-learn's train_test_split(test_size=0.2, random_state=k) on the reference row order; own: geoparam's SeedStream")
        .choices(['reference', 'own'])
        .default('reference'),
    )
    .addOption(new Option('--backend <name>', 'compute backend of every worker').choices(BACKEND_CHOICES).default('wasm'))
    .addOption(new Option('--data-dir <path>', 'directory with the UCI CSVs (<name>.csv, target last)').conflicts('csv'))
    .option('--csv <file>', 'run the protocol on your own numeric CSV instead of the UCI sets')
    .option('--target <column>', 'with --csv: the target column, by name or 0-based index (default: the last)')
    .option('--out <dir>', 'results.json, table.md, jobs.jsonl (resume journal) and the figure', path.join('geoparam-out', 'uci'))
    .option('--epochs <n>', 'maximum epochs (paper: 5000)', parsePositiveInteger, 5000)
    .addOption(
      new Option('--protocol <name>', 'validation: LR schedule and early stopping watch 20% of the training split; paper: the test split, as the reference (optimistic); refit: validation, then retrain on the whole training split for the best epoch count with the same LR drops')
        .choices(['validation', 'paper', 'refit'])
        .default('validation'),
    )
    .option('--lr-grid', 'choose each learning rate from {0.001, ..., 0.3} on split 0\'s validation split', false)
    .option('--workers <n>', 'worker processes (default: CPU cores)', parsePositiveInteger, UCI_DEFAULTS.workers)
    .addOption(
      new Option('--stack <mode>', 'train the splits of each data set and method as one stacked computation: all, none (every run on its own), or auto (where a training split is one batch)')
        .choices(['auto', 'all', 'none'])
        .default('auto'),
    )
    .option('--queue <url>', 'submit the jobs to geoparam workers on this Redis (redis[s]://[user:password@]HOST:PORT[/db]) and follow them; Ctrl-C detaches, the sweep goes on')
    .option('--job-timeout <seconds>', 'with --queue: time limit of one job', parsePositiveInteger)
    .option('--json', 'print results.json instead of the table', false)
    .option('--no-figures', 'skip rendering the SVG/PNG figure')
    .action(async (options) => runReproduceUci(options, io.log));

  program
    .command('worker')
    .description('run sweep jobs from a queue (geoparam reproduce uci|vgg6|resnet|levy|banana --queue) in worker processes, one tfjs engine each, until stopped')
    .requiredOption('--queue <url>', 'the Redis the sweep was submitted to: redis[s]://[user:password@]HOST:PORT[/db]')
    .option('--concurrency <n>', 'jobs at once, each in its own process (default: CPU cores)', parsePositiveInteger, UCI_DEFAULTS.workers)
    .addOption(new Option('--backend <name>', 'compute backend: only jobs planned for it are taken').choices(BACKEND_CHOICES).default('wasm'))
    .option('--data-dir <path>', 'this machine\'s data: UCI CSVs (<name>.csv), image sets and banana.csv in <name>/ (mnist, cifar10, banana) or the directory itself; a job whose data have another sha256 is refused')
    .option('--until-drained', 'exit once no job is waiting, delayed or running (a dead peer\'s job is waited for and re-run)', false)
    .option('--job-timeout <seconds>', 'time limit of a job whose submitter set none', parsePositiveInteger)
    .action(async (options) => runWorker(options, io.log));

  const sweep = program.command('sweep').description('inspect and manage the sweeps on a queue');
  // Every sweep subcommand works on one queue.
  const sweepCommand = (name: string, description: string) => sweep.command(name).description(description).requiredOption('--queue <url>', 'redis[s]://[user:password@]HOST:PORT[/db]');
  sweepCommand('status', 'jobs per state, connected workers, recorded results and failed jobs with their errors')
    .option('--json', 'machine-readable output', false)
    .action(async (options) => runSweepStatus(options, io.log));
  sweepCommand('cancel', 'remove the jobs that have not started; running jobs finish and are recorded').action(async (options) => runSweepCancel(options, io.log));
  sweepCommand('clean', 'delete every job, stored result and sweep on the queue (keep them first with geoparam report --queue … --out DIR)')
    .option('--force', 'even while jobs run (their results are lost)', false)
    .action(async (options) => runSweepClean(options, io.log));

  program
    .command('report')
    .description('A sweep\'s results.json, table and figure again from stored results, without training: a run\'s --out directory or a queue\'s store')
    .addOption(new Option('--from <dir>', 'the --out directory of geoparam reproduce uci, or of reproduce vgg6|resnet|levy|banana --queue (sweep.json, jobs.jsonl)').conflicts('queue'))
    .option('--queue <url>', 'the Redis a sweep was submitted to')
    .option('--sweep <id>', 'with --queue: which stored sweep (default: the latest; geoparam sweep status lists them)')
    .requiredOption('--out <dir>', 'where results.json, table.md and the figure go')
    .option('--json', 'print results.json instead of the table', false)
    .option('--no-figures', 'skip rendering the SVG/PNG figure')
    .action(async (options) => runReport(options, io.log));

  return program;
}

/** Runs the CLI and returns its exit code (EXIT_CODES); every error becomes one message naming what to do. */
export async function main(argv: string[], io: Io = { log: console.log, error: console.error }): Promise<number> {
  const session: Session = { json: argv.includes('--json') };
  const program = createProgram(io, session);
  const report = (exitCode: number, code: string, message: string, extra: Record<string, unknown> = {}) => {
    io.error(session.json ? JSON.stringify({ error: { code, exitCode, message, ...extra } }) : `geoparam: ${message}`);
    return exitCode;
  };
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_CODES.ok;
  } catch (caught) {
    if (caught instanceof CommanderError) {
      if (caught.exitCode === 0) return EXIT_CODES.ok;
      // Commander printed its message (and the help) already, unless errors go out as JSON.
      return session.json ? report(EXIT_CODES.usage, 'USAGE', caught.message.replace(/^error: /, '')) : EXIT_CODES.usage;
    }
    // A file-system error no caller wrapped still names its path.
    const error = toFileSystemError(caught, (caught as { path?: string } | null)?.path ?? '(unknown path)', 'access');
    const exitCode = exitCodeOf(error);
    if (exitCode === EXIT_CODES.interrupted) {
      const resume = session.command?.options.some((o) => o.long === '--resume') ? 'rerun the same command with --resume' : 'rerun the same command';
      return report(exitCode, 'INTERRUPTED', `${(error as Error).message}; ${resume} to continue`);
    }
    if (error instanceof GeoparamError) return report(exitCode, error.code, error.message);
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return report(EXIT_CODES.internal, 'INTERNAL', `internal error (a bug in geoparam ${VERSION}; please report it with this message):\n${stack}`);
  } finally {
    session.lock?.release();
  }
}
