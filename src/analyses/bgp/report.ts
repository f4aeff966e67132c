// Text output of `tunnelscope bgp`: a summary line, the sessions (one table row each, then
// their details), NOTIFICATIONs, and the routes.
import { renderTable } from '../../render/table.js';
import { timeFormat } from '../../render/style.js';
import { timeText } from '../../render/text.js';
import type { BgpResult } from './analysis.js';
import type { Capability } from '../../../dissectors/bgp-message.js';
import type { SessionJson } from './session.js';

function capText(c: Capability): string {
  switch (c.name) {
    case 'multiprotocol': return `multiprotocol(${c.family})`;
    case '4-octet-as': return `4-octet-as(${c.asn})`;
    case 'graceful-restart': {
      const fams = (c.families ?? []).map((f) => `${f.family}${f.forwardingPreserved ? '+F' : ''}`).join(',');
      return `graceful-restart(${c.restartTime}s${fams ? ` ${fams}` : ''})`;
    }
    case 'add-path': return `add-path(${(c.families ?? []).map((f) => `${f.family}:${f.sendReceive}`).join(',')})`;
    case 'bgp-role': return `bgp-role(${c.roleName})`;
    case 'fqdn': return `fqdn(${c.hostname}${c.domain ? `.${c.domain}` : ''})`;
    case 'unknown': return `capability-${c.code}`;
    default: return c.name;
  }
}

function counts(m: Record<string, number>): string {
  return `O${m.OPEN} U${m.UPDATE} K${m.KEEPALIVE} N${m.NOTIFICATION} R${m['ROUTE-REFRESH']}${m.UNKNOWN ? ` ?${m.UNKNOWN}` : ''}`;
}

function asText(asn: number | null, myAs: number | null): string {
  if (asn === null) return '?';
  return myAs !== null && myAs !== asn ? `${asn} (${myAs})` : String(asn);
}

function sessionDetails(s: SessionJson): string[] {
  const [a, b] = s.peers;
  const lines: string[] = [];
  const who = (p: SessionJson['peers'][0]) => `${p.ip}${p.asn !== null ? ` AS ${p.asn}` : ''}${p.routerId ? ` id ${p.routerId}` : ''}`;
  const last = s.connections.at(-1)?.ended;
  const ended = last && last !== 'end-of-capture' ? `, ended by ${last}` : '';
  lines.push(`${who(a)} <-> ${who(b)}: ${s.type ?? 'type unknown'}, ${s.state}${ended}`);
  for (const p of s.peers) {
    if (p.openSeen) lines.push(`  ${p.ip} OPEN: hold ${p.holdTime}s, capabilities ${p.capabilities.map(capText).join(' ') || 'none'}`);
    else lines.push(`  ${p.ip}: OPEN not captured`);
  }
  const n = s.negotiated;
  if (n.fourOctetAs !== null) {
    const parts = [`4-octet AS ${n.fourOctetAs ? 'yes' : 'no'}`, `families ${n.families.join(',') || 'none'}`];
    if (n.addPath.length) parts.push(`add-path ${n.addPath.map((x) => `${x.family} ${x.from}->${x.to}`).join(', ')}`);
    if (n.gracefulRestart) parts.push('graceful restart');
    if (n.extendedMessage) parts.push('extended messages');
    lines.push(`  negotiated: ${parts.join('; ')}; hold time ${s.holdTime.agreed}s${s.holdTime.mismatch ? ` (offered ${s.holdTime.offered.join(' vs ')})` : ''}`);
  } else if (!s.opensExchanged) {
    lines.push(`  OPENs not both captured${s.keepalivesFlowed ? '; KEEPALIVEs flow both ways (joined mid-session)' : ''}`);
  }
  if (s.routeReflection) {
    const r = s.routeReflection;
    lines.push(`  route reflection: ORIGINATOR_ID ${r.originatorIds.join(',') || '-'}, CLUSTER_LIST ${r.clusterIds.join(',') || '-'} (reflected by ${r.reflectedBy.join(',')})`);
  }
  for (const c of s.connections) {
    const r = c.reassembly;
    const issues: string[] = [];
    if (r.gaps) issues.push(`${r.gaps} gaps (${r.gapBytes} bytes)`);
    if (r.lostMessages) issues.push(`${r.lostMessages} messages lost`);
    if (r.retransmittedBytes) issues.push(`${r.retransmittedBytes} bytes retransmitted`);
    if (r.outOfOrderSegments) issues.push(`${r.outOfOrderSegments} out-of-order segments`);
    if (r.framingErrors) issues.push(`${r.framingErrors} framing errors`);
    lines.push(`  connection ${c.client} -> ${c.server}: ${c.state}${c.midSession ? ' (joined mid-session)' : c.synSeen ? '' : ' (SYN not captured)'}, frames ${c.firstFrame}-${c.lastFrame}${c.ended ? `, ${c.ended}` : ''}${issues.length ? `; ${issues.join(', ')}` : ''}`);
  }
  return lines;
}

/**
 * A table column of packet times ("sec.nsec" or null) as -t says, UTC by default; relative to
 * `base` (the capture's first packet), or under -t delta to the last time above it in the column.
 */
function timeColumn(base: string | null): (ts: string | null) => string {
  let prev = base;
  return (ts) => {
    if (ts === null) return '-';
    const s = timeText(ts, 'utc', timeFormat('utc') === 'delta' ? prev : base);
    prev = ts;
    return s;
  };
}

/** The BGP report as text; `firstTs`: the first packet's time, for -t relative and delta. */
export function bgpText(res: BgpResult, firstTs: string | null = null): string {
  const out: string[] = [];
  const s = res.summary;
  const byType = Object.entries(s.messagesByType).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ');
  out.push(`BGP: ${s.sessions} session${s.sessions === 1 ? '' : 's'} (${s.established} established), ${s.connections} TCP connection${s.connections === 1 ? '' : 's'}, `
    + `${s.messages} messages${byType ? ` (${byType})` : ''}; ${s.announcedPrefixes} prefix${s.announcedPrefixes === 1 ? '' : 'es'} announced at the end`);
  const trouble: string[] = [];
  if (s.lostMessages) trouble.push(`${s.lostMessages} messages lost in capture gaps`);
  if (s.malformedMessages) trouble.push(`${s.malformedMessages} malformed messages`);
  if (s.framingErrors) trouble.push(`${s.framingErrors} framing errors`);
  if (s.gaps) trouble.push(`${s.gaps} TCP gaps (${s.gapBytes} bytes not captured)`);
  if (trouble.length) out.push(`Problems: ${trouble.join(', ')}`);
  if (res.sessions.length === 0) {
    out.push('', 'No BGP traffic (TCP port 179) found.');
    return out.join('\n') + '\n';
  }
  out.push('', 'Sessions');
  out.push(renderTable(
    ['Peer A', 'AS', 'Peer B', 'AS', 'Type', 'State', 'Hold A/B', 'Agreed', 'A->B', 'B->A', 'Notifications'],
    res.sessions.map((x) => [
      x.peers[0].ip, asText(x.peers[0].asn, x.peers[0].myAs), x.peers[1].ip, asText(x.peers[1].asn, x.peers[1].myAs),
      x.type ?? '?', x.state, `${x.holdTime.offered[0] ?? '?'}/${x.holdTime.offered[1] ?? '?'}`, x.holdTime.agreed ?? '?',
      counts(x.directions[0].messages), counts(x.directions[1].messages), x.notifications.length,
    ]),
  ));
  out.push('');
  for (const x of res.sessions) out.push(...sessionDetails(x));
  if (res.notifications.length) {
    out.push('', 'Notifications');
    const time = timeColumn(firstTs);
    out.push(renderTable(
      ['Frame', 'Time', 'From', 'To', 'Code', 'Meaning', 'Detail'],
      res.notifications.map((n) => [
        n.frame, time(n.ts), n.from, n.to, `${n.errorCode}/${n.errorSubcode}`, n.name,
        n.shutdownCommunication !== undefined ? `"${n.shutdownCommunication}"`
          : n.badPeerAs !== undefined ? `bad peer AS ${n.badPeerAs}`
            : n.hardReset ? `hard reset: ${n.hardReset.name}` : n.data,
      ]),
    ));
  }
  if (res.routes.length) {
    out.push('', 'Routes');
    const announced = timeColumn(firstTs), withdrawn = timeColumn(firstTs);
    out.push(renderTable(
      ['Prefix', 'Status', 'Next hop', 'AS path', 'Origin', 'Communities', 'From', 'To', 'Announced', 'Withdrawn'],
      res.routes.map((r) => [
        r.pathId !== undefined ? `${r.prefix} id ${r.pathId}` : r.prefix, r.status, r.nextHop ?? '-',
        r.asPathString === undefined ? '-' : r.asPathString || '(empty)', r.origin ?? '-',
        [...(r.communities ?? []), ...(r.largeCommunities ?? [])].join(' ') || '-', r.from, r.to,
        announced(r.lastAnnouncedTs), withdrawn(r.withdrawnTs),
      ]),
    ));
  }
  if (s.routesNotListed) out.push(`  ... ${s.routesNotListed} more routes (--all-routes lists them)`);
  if (res.errorCount) {
    out.push('', `Errors (${res.errorCount})`);
    for (const e of res.errors.slice(0, 20)) out.push(`  frame ${e.frame} ${e.from} -> ${e.to}: ${e.error}`);
    if (res.errorCount > 20) out.push(`  ... ${res.errorCount - 20} more (see --json)`);
  }
  return out.join('\n') + '\n';
}
