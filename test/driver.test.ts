// The one driver (src/engine/driver.ts): decodes each record once and hands it to every sink in order,
// with the decoder's binding tables in the context; `select` leaves packets out for all sinks.
import { describe, expect, it } from 'vitest';
import { PacketDecoder } from '../dissectors/decoder.js';
import { Driver, ReplayCopier, sink, TimeSpan } from '../src/engine/driver.js';
import type { PacketAnalysis } from '../src/engine/analysis.js';
import { Proto } from '../dissectors/packet.js';
import { ETHERTYPE_IPV4, eth, ipv4, udp } from '../test-support/bytes.js';
import { writePcap } from '../test-support/capture.js';
import { Readable } from 'node:stream';

const packet = (dport: number) => eth({ type: ETHERTYPE_IPV4 }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, udp({ src: 1000, dst: dport }, [0, 0, 0, 0])));
const capture = () => Readable.from([Buffer.from(writePcap([
  { sec: 100, frac: 5, data: packet(53) },
  { sec: 102, frac: 0, data: packet(4789) },
  { sec: 101, frac: 7, data: packet(53) },
]))]);

describe('Driver', () => {
  it('hands every packet to the sinks in order, with the decoder\'s tables and the file in the context', async () => {
    const decoder = new PacketDecoder({ vxlanPorts: [9999] });
    const seen: string[] = [];
    const span = new TimeSpan();
    const driver = new Driver(decoder, [
      span,
      sink('a', (r, _st, ctx) => { seen.push(`a${r.frame}@${ctx.fileIndex}`); expect(ctx.tables).toBe(decoder.tables); }),
      sink('b', (r) => { seen.push(`b${r.frame}`); }),
    ]);
    const info = await driver.readFile(capture(), 3, 'x');
    expect(info.packets).toBe(3);
    expect(seen).toEqual(['a1@3', 'b1', 'a2@3', 'b2', 'a3@3', 'b3']);
    // The binding --decode-as adds is what the context's tables answer.
    expect(driver.ctx.tables!.udpPort[9999]).toBe(Proto.VXLAN);
    expect([span.firstSec, span.firstNsec, span.lastSec, span.lastNsec]).toEqual([100, 5000, 102, 0]);
  });

  it('select leaves a packet out for every sink, frame numbers unchanged', async () => {
    const frames: number[] = [];
    const driver = new Driver(new PacketDecoder(), [sink('a', (r) => frames.push(r.frame))], {
      select: (_r, st) => st.l4 >= 0 && st.buf[st.off[st.l4] + 3] === 53,
    });
    await driver.readFile(capture(), 0, 'x');
    expect(frames).toEqual([1, 3]);
  });

  it('forwarded packets are packed copies of their bytes and record fields, replayed in order', async () => {
    // The reader hands records inside its read chunk; a worker posts the copies to the main thread
    // as one batch (two buffers), where the replay must give the sinks the same records.
    const wantsDns: PacketAnalysis = { name: 'w', onPacket() {}, wants: (st) => st.l4 >= 0 && st.buf[st.off[st.l4] + 3] === 53, finish() {} };
    const copier = new ReplayCopier([wantsDns]);
    await new Driver(new PacketDecoder(), [copier]).readFile(capture(), 2, 'x.pcap');
    const batch = copier.batch;
    expect(batch.count).toBe(2);
    const one = packet(53).length;
    // Only the bytes of the two packets wanted, end to end (no read chunk carried along).
    expect(Array.from(batch.data.subarray(0, 2 * one))).toEqual([...packet(53), ...packet(53)]);
    const seen: string[] = [];
    new Driver(new PacketDecoder(), [sink('s', (r, st, ctx) => {
      seen.push(`${r.frame} ${r.tsSec}.${r.tsNsec} ${r.caplen}/${r.len} ${ctx.fileIndex} ${ctx.fileName} ${st.buf[st.off[st.l4] + 3]}`);
    })]).replay(batch);
    expect(seen).toEqual([`1 100.5000 ${one}/${one} 2 x.pcap 53`, `3 101.7000 ${one}/${one} 2 x.pcap 53`]);
  });
});
