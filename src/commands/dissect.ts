// `tunnelscope dissect FILE [-c N] [--json]`: one line (or one JSON object) per packet.
import { PacketDecoder } from '../decoder.js';
import { packetObject, summaryLine } from '../dissect.js';
import { Driver, sink } from '../driver.js';
import { CaptureError, captureReason } from '../reader/record.js';
import { BgpTracker } from '../bgp/tracker.js';
import { layerSummary } from '../bgp/layer.js';
import { DECODE_OPTIONS, Out, RANGES, decoderOptions, fileErrorsStatus, intOption, parse, printWarnings, requireFiles, type Command, type FileOutcome } from './common.js';

export const dissectCommand: Command = {
  name: 'dissect',
  summary: 'one line per packet: frame, time, class, layer stack, summary (--json: NDJSON)',
  usage: 'tunnelscope dissect FILE... [-c N] [--json] [--vxlan-port P]... [--geneve-port P]... [--pod-cidr CIDR]...',
  async run(args) {
    const p = parse(this, args, { ...DECODE_OPTIONS, count: { type: 'string', short: 'c' } });
    if (!p) return 0;
    const files = requireFiles(this, p);
    const limit = intOption(p.values.count, '-c', RANGES.count);
    const decoder = new PacketDecoder(decoderOptions(p.values));
    const json = p.values.json === true;
    const out = new Out(json);
    // BGP messages span TCP segments: a tracker reassembles port 179 and names the messages that complete in each packet.
    const bgp = new BgpTracker({ layers: true });
    const bgpLayers = (frame: number) => bgp.layersFor(frame);
    // The printer is the last sink: it sees each packet after the tracker has named its BGP messages.
    const printer = sink('print', (r, st) => {
      if (json) out.write(JSON.stringify(packetObject(r, st, bgpLayers)) + '\n');
      else {
        const b = bgp.layersFor(r.frame);
        out.write((b ? `${summaryLine(r, st)} | ${b.map(layerSummary).join(' | ')}` : summaryLine(r, st)) + '\n');
      }
    });
    const driver = new Driver(decoder, [sink('bgp-layers', (r, st) => bgp.onPacket(r, st)), printer], { facts: false });
    const outcomes: FileOutcome[] = [];
    for (let i = 0; i < files.length; i++) {
      const file = files[i];
      let info;
      try {
        // The lines of one read chunk are queued; the reading waits (onChunk) while the reader is slow.
        info = await driver.readFile(file, i, file, { limit, onChunk: () => out.drain() });
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
