// `tunnelscope bgp FILE... [--json] [-t FORMAT]`: BGP sessions (peers, ASNs, router IDs, hold times,
// capabilities, state reached, message counts, NOTIFICATIONs) and the routes announced and
// withdrawn. The JSON document's shape is described in src/analyses/bgp/README.md.
import { PacketDecoder } from '../../dissectors/decoder.js';
import { Driver } from '../engine/driver.js';
import { stopSignal } from '../reader/capture.js';
import { Selection, selectionSpec } from '../filter/options.js';
import { CaptureError, captureReason, formatTimestamp } from '../reader/record.js';
import { Progress } from '../render/progress.js';
import { BgpAnalysis } from '../analyses/bgp/analysis.js';
import { bgpText } from '../analyses/bgp/report.js';
import { DECODE_OPTIONS, Out, TIME_OPTION, decoderOptions, fileErrorsStatus, parse, printWarnings, requireFiles, someReadable, type Command, type FileOutcome } from './common.js';
import { ANALYSIS_OPTIONS } from './analysis-options.js';

export const bgpCommand: Command = {
  name: 'bgp',
  summary: 'BGP sessions (peers, ASNs, hold times, capabilities, state, notifications) and routes',
  usage: 'tunnelscope bgp FILE... [options]',
  options: { ...DECODE_OPTIONS, ...TIME_OPTION, 'all-routes': ANALYSIS_OPTIONS['all-routes'] },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    // Here the selection picks the BGP packets the sessions are built from (analyze, by contrast,
    // feeds its BGP analysis every packet).
    const decoder = new PacketDecoder(decoderOptions(p.values));
    const sel = new Selection(selectionSpec(p.values), decoder.tables);
    const files = requireFiles(this, p);
    const analysis = new BgpAnalysis(undefined, { allRoutes: p.values['all-routes'] === true, tables: decoder.tables });
    // -t relative and delta count from the first packet read (tshark's frame.time_relative), BGP or not.
    let firstTs: string | null = null;
    // The BGP analysis reads no per-packet facts.
    const driver = new Driver(decoder, [analysis], {
      facts: false,
      select: (r, st) => {
        if (firstTs === null) firstTs = formatTimestamp(r.tsSec, r.tsNsec);
        return sel.accept(r, st);
      },
    });
    const outcomes: FileOutcome[] = [];
    for (let i = 0; i < files.length; i++) {
      const progress = Progress.forTerminal(p.values.quiet === true, files[i]);
      let info;
      sel.startFile();
      try {
        info = await driver.readFile(files[i], i, files[i], { onProgress: (b, t, n) => progress.update(b, t, n), limit: sel.readLimit(), signal: sel.stopSignal(stopSignal()) });
      } catch (e) {
        progress.done();
        if (!(e instanceof CaptureError)) throw e;
        outcomes.push({ name: files[i], error: captureReason(e, files[i]) });
        continue;
      }
      outcomes.push({ name: files[i], error: null });
      progress.done();
      printWarnings(info.warnings, files[i]);
    }
    if (!someReadable(outcomes)) return fileErrorsStatus(outcomes);
    const result = analysis.finish();
    const out = new Out(p.values.json === true);
    await out.write(p.values.json ? JSON.stringify(result) + '\n' : bgpText(result, firstTs));
    await out.end();
    return fileErrorsStatus(outcomes);
  },
};
