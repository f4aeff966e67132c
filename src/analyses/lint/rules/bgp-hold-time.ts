// BGP_HOLD_TIME_MISMATCH: the two OPENs of a BGP session announce different hold times.
import { R } from '../rules.js';
import { bgpHoldTimeFinding } from '../bgp.js';
import type { LintEnv, RuleModule } from '../rule.js';
import { bgpRule } from './bgp-rule.js';

export function bgpHoldTime(env: LintEnv): RuleModule<null> {
  return bgpRule(env, R.BGP_HOLD_TIME_MISMATCH, bgpHoldTimeFinding);
}
