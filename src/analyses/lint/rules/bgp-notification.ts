// BGP_NOTIFICATION: BGP sessions that sent a NOTIFICATION (read from the BGP analysis' sessions).
import { R } from '../rules.js';
import { bgpNotificationFinding } from '../bgp.js';
import type { LintEnv, RuleModule } from '../rule.js';
import { bgpRule } from './bgp-rule.js';

export function bgpNotification(env: LintEnv): RuleModule<null> {
  return bgpRule(env, R.BGP_NOTIFICATION, bgpNotificationFinding);
}
