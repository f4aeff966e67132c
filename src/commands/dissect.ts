// `tunnelscope dissect FILE [-c N] [--json]`: one line (or one JSON object) per packet.
import { PacketDecoder } from '../decoder.js';
import { packetObject, summaryLine } from '../dissect.js';
import { forEachRecord } from '../reader/capture.js';
import { CaptureError, captureReason } from '../reader/record.js';
import { BgpTracker } from '../bgp/tracker.js';
import { layerSummary } from '../bgp/layer.js';
import { formatTime, timeFormat } from '../report/style.js';
import { DECODE_OPTIONS, Out, RANGES, TIME_OPTION, decoderOptions, fileErrorsStatus, intOption, parse, printWarnings, requireFiles, type Command, type FileOutcome } from './common.js';

export const dissectCommand: Command = {
  name: 'dissect',
  summary: 'one line per packet: frame, time, class, layer stack, summary (--json: NDJSON)',
  usage: 'tunnelscope dissect FILE... [options]',
  options: { ...DECODE_OPTIONS, ...TIME_OPTION },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    const files = requireFiles(this, p);
    const limit = intOption(p.values.count, '-c', RANGES.count);
    const decoder = new PacketDecoder(decoderOptions(p.values));
    const json = p.values.json === true;
    const out = new Out(json);
    // BGP messages span TCP segments: a tracker reassembles port 179 and names the messages that complete in each packet.
    const bgp = new BgpTracker({ layers: true });
    const bgpLayers = (frame: number) => bgp.layersFor(frame);
    const outcomes: FileOutcome[] = [];
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
    for (const file of files) {
      // Several files: each line and object names its file.
      const prefix = files.length > 1 ? `${file}: ` : '';
      let info;
      try {
        info = await forEachRecord(file, (r) => {
          const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
          bgp.onPacket(r, st);
          if (json) out.write(JSON.stringify(prefix ? { file, ...packetObject(r, st, bgpLayers) } : packetObject(r, st, bgpLayers)) + '\n');
          else {
            const b = bgp.layersFor(r.frame);
            const line = summaryLine(r, st, timeOf(r));
            out.write(prefix + (b ? `${line} | ${b.map(layerSummary).join(' | ')}` : line) + '\n');
          }
          // The lines of one read chunk are queued; the reading waits below while the reader is slow.
        }, { limit, onChunk: () => out.drain() });
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
