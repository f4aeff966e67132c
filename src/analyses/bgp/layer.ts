// The `bgp` layer objects `dissect --json` prints (SPEC "JSON schemas"): one per BGP message
// that completes in the packet, with the parsed fields; plus objects for messages lost in a
// capture gap and for framing faults, each with an `error` naming what happened.
import type { BgpFramingErrorLayer, BgpLayer, BgpLostLayer, BgpMessageLayer } from '../../../dissectors/layers.js';
import { messageTypeName } from '../../../dissectors/bgp-names.js';
import type { BgpFramingErrorEvent, BgpLostEvent, BgpMessageEvent } from './tracker.js';

export function messageLayer(ev: BgpMessageEvent, packetSrc: string): BgpMessageLayer {
  const { msg, info, at, conn, dir } = ev;
  const o: BgpMessageLayer = { proto: 'bgp', ...msg };
  // Reassembly facts, only when they say something: a message from several segments, or one
  // completed by a later packet (out-of-order delivery, a gap declared on the peer's ACK).
  if (info.segments > 1) o.segments = info.segments;
  if (info.firstFrame !== at.frame) o.firstFrame = info.firstFrame;
  if (info.lastFrame !== at.frame) o.lastFrame = info.lastFrame;
  if (conn.ends[dir].ip !== packetSrc) o.sender = conn.ends[dir].ip;
  return o;
}

export function lostLayer(ev: BgpLostEvent): BgpLostLayer {
  const l = ev.lost;
  const type = l.typeCode >= 0 ? messageTypeName(l.typeCode) : 'UNKNOWN';
  const what = l.length >= 0 ? `${type} message of ${l.length} bytes` : 'message (header not captured)';
  const why = l.reason === 'gap' ? 'lost in a capture gap' : 'cut off by the end of the stream';
  const missing = l.missingBytes >= 0 ? `, ${l.missingBytes} missing` : '';
  return {
    proto: 'bgp', type, typeCode: l.typeCode, length: l.length, lost: true, capturedBytes: l.capturedBytes,
    missingBytes: l.missingBytes, firstFrame: l.firstFrame,
    error: `bgp: ${what} ${why} (${l.capturedBytes} bytes captured${missing})`,
  };
}

export function framingErrorLayer(ev: BgpFramingErrorEvent): BgpFramingErrorLayer {
  return { proto: 'bgp', type: 'UNKNOWN', typeCode: -1, error: ev.error };
}

/** One-line summary of a BGP message for the text `dissect` output. */
export function layerSummary(l: BgpLayer): string {
  if ('lost' in l) return `BGP ${l.type} lost`;
  const parts: string[] = [`BGP ${l.type}`];
  switch (l.type) {
    case 'OPEN':
      parts.push(`AS ${l.asn}${l.myAs !== l.asn ? ` (My AS ${l.myAs})` : ''} hold ${l.holdTime} id ${l.routerId}`);
      break;
    case 'UPDATE': {
      const n = l.nlri.length, w = l.withdrawn.length;
      if (l.endOfRib) parts.push(`End-of-RIB ${l.endOfRib}`);
      if (n) parts.push(`+${n} ${l.nlri.slice(0, 3).join(' ')}${n > 3 ? ' ...' : ''}`);
      if (w) parts.push(`-${w} ${l.withdrawn.slice(0, 3).join(' ')}${w > 3 ? ' ...' : ''}`);
      if (n && l.nextHop) parts.push(`via ${l.nextHop}`);
      break;
    }
    case 'NOTIFICATION':
      parts.push(`${l.errorCode}/${l.errorSubcode} ${l.name}`);
      if (l.shutdownCommunication) parts.push(`"${l.shutdownCommunication}"`);
      break;
    case 'ROUTE-REFRESH':
      parts.push(String(l.family));
      break;
  }
  const s = parts.join(' ');
  return l.error ? `${s} [error: ${l.error}]` : s;
}
