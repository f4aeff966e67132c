// `tunnelscope dissect FILE [-c N] [--json]`: one line (or one JSON object) per packet.
import { PacketDecoder } from '../decoder.js';
import { packetObject, summaryLine } from '../dissect.js';
import { forEachRecord } from '../reader/capture.js';
import { BgpTracker } from '../bgp/tracker.js';
import { layerSummary } from '../bgp/layer.js';
import { DECODE_OPTIONS, Out, decoderOptions, intOption, parse, printWarnings, requireFiles, type Command } from './common.js';

export const dissectCommand: Command = {
  name: 'dissect',
  summary: 'one line per packet: frame, time, class, layer stack, summary (--json: NDJSON)',
  usage: 'tunnelscope dissect FILE... [-c N] [--json] [--vxlan-port P]... [--geneve-port P]... [--pod-cidr CIDR]...',
  async run(args) {
    const p = parse(this, args, { ...DECODE_OPTIONS, count: { type: 'string', short: 'c' } });
    if (!p) return 0;
    const files = requireFiles(this, p);
    const limit = intOption(p.values.count, '-c', 1);
    const decoder = new PacketDecoder(decoderOptions(p.values));
    const json = p.values.json === true;
    const out = new Out();
    // BGP messages span TCP segments: a tracker reassembles port 179 and names the messages that complete in each packet.
    const bgp = new BgpTracker({ layers: true });
    const bgpLayers = (frame: number) => bgp.layersFor(frame);
    let pending: Promise<void> | void = undefined;
    for (const file of files) {
      const lines: string[] = [];
      const info = await forEachRecord(file, (r) => {
        const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
        bgp.onPacket(r, st);
        if (json) lines.push(JSON.stringify(packetObject(r, st, bgpLayers)));
        else {
          const b = bgp.layersFor(r.frame);
          lines.push(b ? `${summaryLine(r, st)} | ${b.map(layerSummary).join(' | ')}` : summaryLine(r, st));
        }
        if (lines.length >= 256) {
          pending = out.write(lines.join('\n') + '\n');
          lines.length = 0;
        }
      }, { limit });
      if (lines.length) pending = out.write(lines.join('\n') + '\n');
      await pending;
      await out.flush();
      printWarnings(info.warnings, file);
    }
    return 0;
  },
};
