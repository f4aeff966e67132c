// `tunnelscope dissect FILE [-Y EXPR] [-c N] [--from T] [--to T] [--json]`: one line (or one JSON object) per packet.
import { PacketDecoder } from '../../dissectors/decoder.js';
import { packetObject, summaryLine } from '../../dissectors/dissect.js';
import { Driver, sink } from '../engine/driver.js';
import { stopSignal } from '../reader/capture.js';
import { Selection, selectionSpec } from '../filter/options.js';
import { CaptureError, captureReason } from '../reader/record.js';
import { BgpTracker } from '../analyses/bgp/tracker.js';
import { layerSummary } from '../analyses/bgp/layer.js';
import { formatTime, timeFormat } from '../render/style.js';
import { DECODE_OPTIONS, Out, TIME_OPTION, decoderOptions, fileErrorsStatus, parse, printWarnings, requireFiles, type Command, type FileOutcome } from './common.js';

export const dissectCommand: Command = {
  name: 'dissect',
  summary: 'one line per packet: frame, time, class, layer stack, summary (--json: NDJSON)',
  usage: 'tunnelscope dissect FILE... [options]',
  options: { ...DECODE_OPTIONS, ...TIME_OPTION },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    const sel = new Selection(selectionSpec(p.values));
    const files = requireFiles(this, p);
    const decoder = new PacketDecoder(decoderOptions(p.values));
    const json = p.values.json === true;
    const out = new Out(json);
    // BGP messages span TCP segments: a tracker reassembles port 179 and names the messages that complete in each packet.
    const bgp = new BgpTracker({ layers: true, tables: decoder.tables });
    const bgpLayers = (frame: number) => bgp.layersFor(frame);
    // The filter's bgp fields read this tracker, fed every packet (selected or not) before the filter.
    sel.useBgpTracker(bgp);
    // -t: times relative to the first packet of the run, or to the previous one shown.
    const times = timeFormat('epoch');
    const base: [number, number] = [NaN, 0], prev: [number, number] = [NaN, 0];
    const timeOf = (r: { tsSec: number; tsNsec: number }): string | undefined => {
      if (times === 'epoch') return undefined;
      if (Number.isNaN(base[0])) { base[0] = r.tsSec; base[1] = r.tsNsec; }
      const s = formatTime(r.tsSec, r.tsNsec, times, base, Number.isNaN(prev[0]) ? base : prev);
      prev[0] = r.tsSec; prev[1] = r.tsNsec;
      return s;
    };
    // Several files: each line and object names its file.
    let file = '';
    let prefix = '';
    // The printer is the last sink: it sees each packet after the tracker has named its BGP messages.
    const printer = sink('print', (r, st) => {
      if (!sel.accept(r, st)) return;
      if (json) out.write(JSON.stringify(prefix ? { file, ...packetObject(r, st, bgpLayers) } : packetObject(r, st, bgpLayers)) + '\n');
      else {
        const b = bgp.layersFor(r.frame);
        const line = summaryLine(r, st, timeOf(r));
        out.write(prefix + (b ? `${line} | ${b.map(layerSummary).join(' | ')}` : line) + '\n');
      }
    });
    const driver = new Driver(decoder, [sink('bgp-layers', (r, st) => bgp.onPacket(r, st)), printer], { facts: false });
    const outcomes: FileOutcome[] = [];
    for (let i = 0; i < files.length; i++) {
      file = files[i];
      prefix = files.length > 1 ? `${file}: ` : '';
      let info;
      sel.startFile();
      try {
        // The lines of one read chunk are queued; the reading waits (onChunk) while the reader is slow.
        info = await driver.readFile(file, i, file, { limit: sel.readLimit(), signal: sel.stopSignal(stopSignal()), onChunk: () => out.drain() });
      } catch (e) {
        if (!(e instanceof CaptureError)) throw e;
        outcomes.push({ name: file, error: captureReason(e, file) });
        continue;
      }
      outcomes.push({ name: file, error: null });
      await out.drain();
      printWarnings(info.warnings, file);
    }
    await out.end();
    return fileErrorsStatus(outcomes);
  },
};
