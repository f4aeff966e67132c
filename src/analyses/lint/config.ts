// Lint configuration: per-rule severity and on/off, thresholds, expected ports and VNIs.
// The config file is JSON: {"rules": {"ID": {"severity": "error", "enabled": false}}, "thresholds": {...}}.
import { readFileSync } from 'node:fs';
import { RULES, RULE_INDEX, SEVERITIES, type Severity } from './rules.js';
import { CORRELATE_RULES } from '../correlate/findings.js';

const CORRELATE_RULE_IDS = new Set(CORRELATE_RULES.map((r) => r.id));

export interface RuleOverride {
  severity?: Severity;
  enabled?: boolean;
}

export interface LintThresholds {
  /** Underlay MTU for ENCAP_MTU_EXCEEDED and ENCAP_DF_INNER_TOO_BIG (IP bytes). */
  mtu: number;
  /** ARP broadcasts per second above which ARP_BROADCAST_STORM fires. */
  arpStormRate: number;
  /** Distinct inner flows one VTEP must send to a peer before a single source port counts as no entropy. */
  entropyMinFlows: number;
  /** VTEP pairs on one VXLAN port needed before VNI_PER_VTEP_INCONSISTENT judges them. */
  vniMinPairs: number;
}

export const DEFAULT_THRESHOLDS: Readonly<LintThresholds> = { mtu: 1500, arpStormRate: 100, entropyMinFlows: 4, vniMinPairs: 3 };

const THRESHOLD_LIMITS: Readonly<Record<keyof LintThresholds, [number, number]>> = {
  mtu: [68, 1 << 20],
  arpStormRate: [1, 1e9],
  entropyMinFlows: [2, 64],
  vniMinPairs: [3, 1e6],
};

export interface LintConfigFile {
  rules?: Record<string, RuleOverride>;
  thresholds?: Partial<LintThresholds>;
}

export class LintConfigError extends Error {}

/** One rule's entry under "rules" ({severity?, enabled?}); throws LintConfigError naming the bad field. */
export function parseRuleOverride(v: unknown, id: string, where: string): RuleOverride {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new LintConfigError(`${where}: rules.${id} must be an object`);
  const ov: RuleOverride = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'severity') {
      if (typeof x !== 'string' || !SEVERITIES.includes(x as Severity)) {
        throw new LintConfigError(`${where}: rules.${id}.severity must be one of ${SEVERITIES.join(', ')}`);
      }
      ov.severity = x as Severity;
    } else if (k === 'enabled') {
      if (typeof x !== 'boolean') throw new LintConfigError(`${where}: rules.${id}.enabled must be true or false`);
      ov.enabled = x;
    } else {
      throw new LintConfigError(`${where}: rules.${id}: unknown key '${k}' (expected "severity", "enabled")`);
    }
  }
  return ov;
}

/** Validates a parsed config object; throws LintConfigError naming the bad field. */
export function validateConfig(raw: unknown, where = 'config'): LintConfigFile {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new LintConfigError(`${where}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'rules' && k !== 'thresholds') throw new LintConfigError(`${where}: unknown key '${k}' (expected "rules" and "thresholds")`);
  }
  const out: LintConfigFile = {};
  if (o.rules !== undefined) {
    if (o.rules === null || typeof o.rules !== 'object' || Array.isArray(o.rules)) throw new LintConfigError(`${where}: "rules" must be an object`);
    out.rules = {};
    for (const [id, v] of Object.entries(o.rules as Record<string, unknown>)) {
      // correlate's rules may share the file (`correlate --config` reads it too): not lint's to apply.
      if (!RULE_INDEX.has(id) && CORRELATE_RULE_IDS.has(id)) continue;
      if (!RULE_INDEX.has(id)) throw new LintConfigError(`${where}: unknown rule '${id}'`);
      out.rules[id] = parseRuleOverride(v, id, where);
    }
  }
  if (o.thresholds !== undefined) {
    if (o.thresholds === null || typeof o.thresholds !== 'object' || Array.isArray(o.thresholds)) {
      throw new LintConfigError(`${where}: "thresholds" must be an object`);
    }
    out.thresholds = {};
    for (const [k, x] of Object.entries(o.thresholds as Record<string, unknown>)) {
      if (!(k in THRESHOLD_LIMITS)) {
        throw new LintConfigError(`${where}: unknown threshold '${k}' (expected ${Object.keys(THRESHOLD_LIMITS).join(', ')})`);
      }
      const [lo, hi] = THRESHOLD_LIMITS[k as keyof LintThresholds];
      if (typeof x !== 'number' || !Number.isFinite(x) || x < lo || x > hi) {
        throw new LintConfigError(`${where}: thresholds.${k} must be a number from ${lo} to ${hi}`);
      }
      out.thresholds[k as keyof LintThresholds] = x;
    }
  }
  return out;
}

/** The parsed JSON of a --config file (lint's and correlate's), or a LintConfigError saying why not. */
export function readConfigJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LintConfigError(`--config ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LintConfigError(`--config ${path}: not valid JSON (${(e as Error).message})`);
  }
}

export function loadConfigFile(path: string): LintConfigFile {
  return validateConfig(readConfigJson(path), `--config ${path}`);
}

/** Effective per-rule settings, indexed like RULES. */
export interface RuleSettings {
  enabled: boolean[];
  severity: Severity[];
}

export function ruleSettings(overrides: Record<string, RuleOverride> | undefined): RuleSettings {
  const enabled = RULES.map(() => true);
  const severity = RULES.map((r) => r.severity);
  for (const [id, ov] of Object.entries(overrides ?? {})) {
    const i = RULE_INDEX.get(id);
    if (i === undefined) throw new LintConfigError(`unknown rule '${id}'`);
    if (ov.enabled !== undefined) enabled[i] = ov.enabled;
    if (ov.severity !== undefined) severity[i] = ov.severity;
  }
  return { enabled, severity };
}

/** Parses `--vni` values: "42", "4096-4100", comma lists. Returns inclusive ranges. */
export function parseVniRanges(values: readonly string[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const v of values.flatMap((s) => s.split(','))) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(v);
    if (!m) throw new LintConfigError(`--vni: '${v}' is not a VNI or a range A-B`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (a > 0xffffff || b > 0xffffff) throw new LintConfigError(`--vni: '${v}' is outside 0-16777215`);
    if (b < a) throw new LintConfigError(`--vni: '${v}': range end below start`);
    out.push([a, b]);
  }
  return out;
}
