// Options shared by flows, overhead and analyze.
import { DECODE_OPTIONS, RANGES, intOption, decoderOptions, type Options, type Parsed } from './common.js';
import type { AnalyzeOptions } from '../analyze.js';
import { selectionSpec } from '../filter/options.js';

export const ANALYSIS_OPTIONS: Options = {
  ...DECODE_OPTIONS,
  mtu: { type: 'string' },
  'max-flows': { type: 'string' },
  // Pod CIDR inference: on by default, off when --pod-cidr is given unless asked for; off wins.
  'infer-pod-cidrs': { type: 'boolean' },
  'no-infer-pod-cidrs': { type: 'boolean' },
  'all-routes': { type: 'boolean' },
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
