// `tunnelscope dissect FILE [-Y EXPR] [-c N] [--from T] [--to T] [--json]`: one line (or one JSON object) per packet.
import { PacketDecoder } from '../decoder.js';
import { packetObject, summaryLine } from '../dissect.js';
import { forEachRecord, stopSignal } from '../reader/capture.js';
import { Selection, selectionSpec } from '../filter/options.js';
import { CaptureError, captureReason } from '../reader/record.js';
import { BgpTracker } from '../bgp/tracker.js';
import { layerSummary } from '../bgp/layer.js';
import { DECODE_OPTIONS, Out, decoderOptions, fileErrorsStatus, parse, printWarnings, requireFiles, type Command, type FileOutcome } from './common.js';

export const dissectCommand: Command = {
  name: 'dissect',
  summary: 'one line per packet: frame, time, class, layer stack, summary (--json: NDJSON)',
  usage: 'tunnelscope dissect FILE... [-Y EXPR] [-c N] [--from T] [--to T] [--json] [--vxlan-port P]... [--geneve-port P]... [--pod-cidr CIDR]...',
  async run(args) {
    const p = parse(this, args, DECODE_OPTIONS);
    if (!p) return 0;
    const sel = new Selection(selectionSpec(p.values));
    const files = requireFiles(this, p);
    const decoder = new PacketDecoder(decoderOptions(p.values));
    const json = p.values.json === true;
    const out = new Out(json);
    // BGP messages span TCP segments: a tracker reassembles port 179 and names the messages that complete in each packet.
    const bgp = new BgpTracker({ layers: true });
    const bgpLayers = (frame: number) => bgp.layersFor(frame);
    // The filter's bgp fields read this tracker, fed every packet (selected or not) before the filter.
    sel.useBgpTracker(bgp);
    const outcomes: FileOutcome[] = [];
    for (const file of files) {
      let info;
      sel.startFile();
      try {
        info = await forEachRecord(file, (r) => {
          const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
          bgp.onPacket(r, st);
          if (!sel.accept(r, st)) return;
          if (json) out.write(JSON.stringify(packetObject(r, st, bgpLayers)) + '\n');
          else {
            const b = bgp.layersFor(r.frame);
            out.write((b ? `${summaryLine(r, st)} | ${b.map(layerSummary).join(' | ')}` : summaryLine(r, st)) + '\n');
          }
          // The lines of one read chunk are queued; the reading waits below while the reader is slow.
        }, { limit: sel.readLimit(), signal: sel.stopSignal(stopSignal()), onChunk: () => out.drain() });
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
