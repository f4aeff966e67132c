// Literal values of the filter language, parsed once at compile time: numbers (decimal, 0x hex),
// IPv4 and IPv6 addresses with an optional /prefix, MAC addresses. Null when the text is not one.

/** Decimal or 0x-hex integer, or a decimal fraction when `fraction` (time fields). */
export function parseNumber(s: string, fraction = false): number | null {
  if (/^0x[0-9a-f]{1,13}$/i.test(s)) return parseInt(s.slice(2), 16);
  if (/^[0-9]{1,16}$/.test(s)) return Number(s);
  if (fraction && /^[0-9]{0,16}\.[0-9]{1,9}$/.test(s)) return Number(s);
  return null;
}

export interface Ipv4Net { addr: number; prefix: number }

export function parseIpv4(s: string): Ipv4Net | null {
  const m = /^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(?:\/([0-9]{1,2}))?$/.exec(s);
  if (!m) return null;
  const parts = [m[1], m[2], m[3], m[4]].map(Number);
  if (parts.some((x) => x > 255)) return null;
  const prefix = m[5] === undefined ? 32 : Number(m[5]);
  if (prefix > 32) return null;
  const addr = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
  return { addr, prefix };
}

export interface Ipv6Net { bytes: Uint8Array; prefix: number }

export function parseIpv6(s: string): Ipv6Net | null {
  const slash = s.indexOf('/');
  let prefix = 128;
  let a = s;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > 128) return null;
    prefix = Number(p);
    a = s.slice(0, slash);
  }
  if (!a.includes(':')) return null;
  const groups: number[] = [];
  const bytes = new Uint8Array(16);
  const halves = a.split('::');
  if (halves.length > 2) return null;
  const parseSide = (side: string): number[] | null => {
    if (side === '') return [];
    const out: number[] = [];
    const parts = side.split(':');
    for (let k = 0; k < parts.length; k++) {
      const g = parts[k];
      if (k === parts.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (!v4 || v4.prefix !== 32) return null;
        out.push(v4.addr >>> 16, v4.addr & 0xffff);
      } else if (/^[0-9a-f]{1,4}$/i.test(g)) {
        out.push(parseInt(g, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = parseSide(halves[0]);
  const tail = halves.length === 2 ? parseSide(halves[1]) : [];
  if (!head || !tail) return null;
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return null;
  groups.push(...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail);
  for (let k = 0; k < 8; k++) { bytes[2 * k] = groups[k] >> 8; bytes[2 * k + 1] = groups[k] & 0xff; }
  return { bytes, prefix };
}

/** aa:bb:cc:dd:ee:ff (or with '-' or '.' between the bytes) as a 48-bit number. */
export function parseMac(s: string): number | null {
  const m = /^([0-9a-f]{2})[:.-]([0-9a-f]{2})[:.-]([0-9a-f]{2})[:.-]([0-9a-f]{2})[:.-]([0-9a-f]{2})[:.-]([0-9a-f]{2})$/i.exec(s);
  if (!m) return null;
  let v = 0;
  for (let k = 1; k <= 6; k++) v = v * 256 + parseInt(m[k], 16);
  return v;
}
