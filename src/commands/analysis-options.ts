// Options shared by flows, overhead and analyze.
import { DECODE_OPTIONS, intOption, decoderOptions, type Options, type Parsed } from './common.js';
import type { AnalyzeOptions } from '../analyze.js';

export const ANALYSIS_OPTIONS: Options = {
  ...DECODE_OPTIONS,
  mtu: { type: 'string' },
  'max-flows': { type: 'string' },
  'all-routes': { type: 'boolean' },
};

export function analyzeOptions(values: Parsed['values']): AnalyzeOptions {
  return {
    ...decoderOptions(values),
    mtu: intOption(values.mtu, '--mtu', 68),
    maxFlows: intOption(values['max-flows'], '--max-flows', 1000),
    quiet: values.quiet === true,
    allRoutes: values['all-routes'] === true,
  };
}
