// Options shared by flows, overhead and analyze.
import { DECODE_OPTIONS, RANGES, intOption, decoderOptions, type Options, type Parsed } from './common.js';
import type { AnalyzeOptions } from '../analyze.js';

export const ANALYSIS_OPTIONS: Options = {
  ...DECODE_OPTIONS,
  mtu: { type: 'string' },
  'max-flows': { type: 'string' },
};

export function analyzeOptions(values: Parsed['values']): AnalyzeOptions {
  return {
    ...decoderOptions(values),
    mtu: intOption(values.mtu, '--mtu', RANGES.mtu),
    maxFlows: intOption(values['max-flows'], '--max-flows', RANGES.maxFlows),
    quiet: values.quiet === true,
  };
}
