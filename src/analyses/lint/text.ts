// Text rendering of lint findings and the CNI verdict (for `lint` and the `analyze` report).
import type { LintResult } from './analysis.js';
import type { L2Result } from '../cni/l2.js';
import type { CniResult } from '../cni/fingerprint.js';
import { dissectCommand } from '../findings/filters.js';

export interface LintRun {
  lint: LintResult;
  cni: CniResult;
  l2: L2Result;
}

export function formatFinding(f: LintResult['findings'][number], capture = 'FILE'): string {
  const file = typeof f.evidence.firstFile === 'string' ? ` of ${f.evidence.firstFile}` : '';
  const show = dissectCommand(typeof f.evidence.firstFile === 'string' ? f.evidence.firstFile : capture, f.evidence);
  return `${f.severity.padEnd(7)} ${f.rule}  ${f.message}  (count ${f.count}, first frame ${f.firstFrame}${file})` + (show ? `\n        ${show}` : '');
}

export function formatText(run: LintRun, capture?: string): string {
  const lines: string[] = [];
  for (const f of run.lint.findings) lines.push(formatFinding(f, capture));
  const s = run.lint.summary;
  if (run.lint.findings.length === 0) lines.push('no findings');
  lines.push(`summary: ${s.error} error${s.error === 1 ? '' : 's'}, ${s.warning} warning${s.warning === 1 ? '' : 's'}, ${s.info} info`);
  const byReason = new Map<string, string[]>();
  for (const n of run.lint.notEvaluated) byReason.set(n.reason, [...(byReason.get(n.reason) ?? []), n.rule]);
  if (byReason.size > 0) lines.push(`not evaluated: ${[...byReason].map(([reason, rules]) => `${rules.join(', ')} (${reason})`).join('; ')}`);
  const c = run.cni;
  if (c.status === 'identified') lines.push(`cni: ${c.reason} (confidence ${c.confidence}, ${c.level})`);
  else {
    const cands = c.candidates.slice(0, 4).map((x) => `${x.label} ${x.confidence}`).join(', ');
    lines.push(`cni: unknown${c.status === 'unknown' ? '' : ` (${c.status})`}: ${c.reason}${cands ? `; candidates: ${cands}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

