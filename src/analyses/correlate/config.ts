// `correlate --config FILE`: lint's config file format (src/analyses/lint/config.ts), so one file serves
// both. Its "rules" may name correlate's rules (severity, enabled); lint's rules and "thresholds"
// are checked as lint checks them and left to lint.
import { LintConfigError, parseRuleOverride, readConfigJson, validateConfig, type RuleOverride } from '../lint/config.js';
import { CORRELATE_RULES } from './findings.js';

export type CorrelateRuleSettings = ReadonlyMap<string, RuleOverride>;

const IDS = new Set(CORRELATE_RULES.map((r) => r.id));

/** The correlate rules' overrides from a parsed config object; throws LintConfigError naming the bad field. */
export function correlateSettings(raw: unknown, where = 'config'): Map<string, RuleOverride> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new LintConfigError(`${where}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  const lintPart: Record<string, unknown> = { ...o };
  const out = new Map<string, RuleOverride>();
  if (o.rules !== null && typeof o.rules === 'object' && !Array.isArray(o.rules)) {
    const lintRules: Record<string, unknown> = {};
    for (const [id, v] of Object.entries(o.rules as Record<string, unknown>)) {
      if (!IDS.has(id)) { lintRules[id] = v; continue; }
      out.set(id, parseRuleOverride(v, id, where));
    }
    lintPart.rules = lintRules;
  }
  // The rest is lint's: the same checks (unknown keys, unknown rules, threshold ranges).
  validateConfig(lintPart, where);
  return out;
}

export function loadCorrelateConfig(path: string): Map<string, RuleOverride> {
  return correlateSettings(readConfigJson(path), `--config ${path}`);
}
