// `tunnelscope lint FILE... [--vxlan-port P]... [--vni N|A-B]... [--mtu M] [--arp-storm-rate N]
//  [--fail-on error|warning|info] [--config FILE] [--json]`: findings, one per line (or JSON), and
// exit status 1 when a finding at or above --fail-on exists.
import { LintConfigError, loadConfigFile, parseVniRanges, type LintConfigFile } from '../analyses/lint/config.js';
import { RULES, SEVERITIES, SEVERITY_RANK, type Severity } from '../analyses/lint/rules.js';
import { createLintSet, type BgpSource, type LintSet } from '../analyses/lint/index.js';
import { runSequential, type FileSummary } from '../engine/analyze.js';
import { selectionSpec, type SelectionSpec } from '../filter/options.js';
import { formatFinding, formatText, type LintRun } from '../analyses/lint/text.js';
import { csvText } from '../render/csv.js';
export { formatFinding, formatText, type LintRun };
import { DECODE_OPTIONS, Out, RANGES, UsageError, intOption, decoderOptions, fileErrorsStatus, parse, printWarnings, someReadable, stringList, type Command } from './common.js';


export interface LintRunOptions {
  vxlanPorts?: number[];
  genevePorts?: number[];
  /** TCP ports decoded as BGP besides 179 (-d tcp.port==P,bgp). */
  bgpPorts?: number[];
  podCidrs?: string[];
  vnis?: Array<[number, number]>;
  config?: LintConfigFile;
  mtu?: number;
  arpStormRate?: number;
  /** No progress bar (default true for library callers; the command passes --quiet). */
  quiet?: boolean;
  /** The packets to lint (-Y, -c, --from, --to); BGP still sees every packet (see AnalyzeOptions.select). */
  select?: SelectionSpec;
  /** Called with each file's reader warnings. */
  onWarnings?: (file: string, warnings: string[]) => void;
  /**
   * A BGP analysis to run alongside, and how to read its result (src/analyses/lint/bgp.ts bgpInputFrom).
   * Default: a new BgpAnalysis (src/analyses/bgp); `null` runs none (the BGP rules are then "not evaluated").
   */
  bgp?: BgpSource | null;
}

/** Runs lint, CNI and L2 over the files (the library form of the command), through the analyze driver. */
export async function runLint(files: readonly string[], o: LintRunOptions = {}): Promise<LintRun & { files: FileSummary[] }> {
  let set: LintSet | undefined;
  const run = await runSequential(files, {
    vxlanPorts: o.vxlanPorts, genevePorts: o.genevePorts, bgpPorts: o.bgpPorts, podCidrs: o.podCidrs, quiet: o.quiet ?? true,
    core: false, standard: false, select: o.select,
    // Built on the run's decoder, so that BGP follows its TCP port binding.
    extraAnalyses: (decoder) => (set = createLintSet({ ...o, tables: decoder.tables })).analyses,
  });
  set ??= createLintSet(o);
  for (const f of run.files) o.onWarnings?.(f.name, f.warnings);
  return { lint: set.lint.finish(), cni: set.cni.finish(), l2: set.l2.finish(), files: run.files };
}

function listRules(): string {
  return RULES.map((r) => `${r.id.padEnd(32)} ${r.severity.padEnd(8)} ${r.trigger}`).join('\n') + '\n';
}

function explainRule(id: string): string {
  const r = RULES.find((x) => x.id === id.toUpperCase());
  if (!r) throw new UsageError(`--explain: unknown rule '${id}' (see --list-rules)`);
  return `${r.id} (default severity ${r.severity})\n\nTrigger: ${r.trigger}\n\nCause: ${r.cause}\n\nFix: ${r.fix}\n`;
}

export const lintCommand: Command = {
  name: 'lint',
  summary: 'overlay misconfiguration findings (ports, VNIs, flags, MTU, checksums, BGP) and the CNI fingerprint; exit 1 at --fail-on',
  usage: 'tunnelscope lint FILE... [options]',
  options: {
    ...DECODE_OPTIONS,
    vni: { type: 'string', multiple: true, arg: 'N|A-B', describe: 'the VNIs expected (others are VXLAN_VNI_UNEXPECTED)' },
    mtu: { type: 'string', arg: 'M', defaultText: '1500', describe: "underlay MTU for the MTU rules (68 to 65535; default: the config file's, else 1500)" },
    'arp-storm-rate': { type: 'string', arg: 'N', describe: 'ARP broadcasts per second that make a storm (1 to 100,000,000)' },
    'fail-on': { type: 'string', choices: SEVERITIES, default: 'error', describe: 'exit status 1 when a finding is at or above this severity' },
    config: { type: 'string', arg: 'FILE', describe: 'JSON file of rule severities, thresholds and expected VNIs/ports' },
    csv: { type: 'boolean', describe: 'CSV of the findings: every field of the JSON record, evidence with dotted names' },
    'list-rules': { type: 'boolean', describe: 'list the rules and exit' },
    explain: { type: 'string', arg: 'RULE', describe: "a rule's trigger, cause and fix" },
  },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    if (p.values['list-rules']) {
      process.stdout.write(listRules());
      return 0;
    }
    if (typeof p.values.explain === 'string') {
      process.stdout.write(explainRule(p.values.explain));
      return 0;
    }
    const failOn = (p.values['fail-on'] ?? 'error') as string;
    if (!SEVERITIES.includes(failOn as Severity)) throw new UsageError(`--fail-on: '${failOn}' is not one of ${SEVERITIES.join(', ')}`);
    const mtu = intOption(p.values.mtu, '--mtu', RANGES.mtu);
    const arpStormRate = intOption(p.values['arp-storm-rate'], '--arp-storm-rate', RANGES.arpStormRate);
    let config: LintConfigFile | undefined;
    let vnis: Array<[number, number]>;
    try {
      config = typeof p.values.config === 'string' ? loadConfigFile(p.values.config) : undefined;
      vnis = parseVniRanges(stringList(p.values.vni));
    } catch (e) {
      if (e instanceof LintConfigError) throw new UsageError(e.message);
      throw e;
    }
    if (p.positionals.length === 0) throw new UsageError(`no capture file given (usage: ${this.usage})`);
    const dec = decoderOptions(p.values);
    const select = selectionSpec(p.values);
    const run = await runLint(p.positionals, {
      vxlanPorts: dec.vxlanPorts ? [...dec.vxlanPorts] : [], genevePorts: dec.genevePorts ? [...dec.genevePorts] : [],
      bgpPorts: dec.bgpPorts ? [...dec.bgpPorts] : [], podCidrs: dec.podCidrs ? [...dec.podCidrs] : [],
      vnis, config, mtu, arpStormRate, quiet: p.values.quiet === true, select,
      onWarnings: (file, w) => printWarnings(w, file),
    });
    if (!someReadable(run.files)) return fileErrorsStatus(run.files);
    const out = new Out(p.values.json === true);
    if (p.values.csv) {
      await out.write(csvText(run.lint.findings));
    } else if (p.values.json) {
      await out.write(JSON.stringify({ findings: run.lint.findings, summary: run.lint.summary, notEvaluated: run.lint.notEvaluated, cni: run.cni, l2: run.l2 }) + '\n');
    } else {
      await out.write(formatText(run, p.positionals.length === 1 ? p.positionals[0] : undefined));
    }
    await out.end();
    const rank = SEVERITY_RANK[failOn as Severity];
    // An unreadable file (3) outranks findings (1): the run did not see everything.
    return fileErrorsStatus(run.files, run.lint.findings.some((f) => SEVERITY_RANK[f.severity] >= rank) ? 1 : 0);
  },
};
