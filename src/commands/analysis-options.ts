// Options shared by flows, overhead and analyze.
import { DECODE_OPTIONS, RANGES, intOption, decoderOptions, type Options, type Parsed } from './common.js';
import type { AnalyzeOptions } from '../engine/analyze.js';
import { selectionSpec } from '../filter/options.js';

export const ANALYSIS_OPTIONS: Options = {
  ...DECODE_OPTIONS,
  mtu: { type: 'string', arg: 'M', defaultText: '1500', describe: 'underlay MTU for the overhead and MTU checks (68 to 65535)' },
  'max-flows': { type: 'string', arg: 'N', defaultText: '2000000', describe: 'cap on live flows (1,000 to 100,000,000); the oldest-idle tenth is evicted at the cap, still counted in the totals' },
  // Pod CIDR inference: on by default, off when --pod-cidr is given unless asked for; off wins.
  'infer-pod-cidrs': { type: 'boolean', describe: 'also infer pod CIDRs from tunnel inner addresses when --pod-cidr is given' },
  'no-infer-pod-cidrs': { type: 'boolean', describe: 'never infer pod CIDRs (wins over --infer-pod-cidrs)' },
  'all-routes': { type: 'boolean', describe: 'list every BGP route, announced prefix and route event (default: the first 10,000 of each)' },
};

export function analyzeOptions(values: Parsed['values']): AnalyzeOptions {
  return {
    ...decoderOptions(values),
    mtu: intOption(values.mtu, '--mtu', RANGES.mtu),
    maxFlows: intOption(values['max-flows'], '--max-flows', RANGES.maxFlows),
    inferPodCidrs: values['no-infer-pod-cidrs'] === true ? false : values['infer-pod-cidrs'] === true ? true : undefined,
    quiet: values.quiet === true,
    allRoutes: values['all-routes'] === true,
    select: selectionSpec(values),
  };
}
