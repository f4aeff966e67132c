// The report's health summary (its first section): one line per finding, worst first, with its
// count, the tunnels or node pairs it concerns and the filters that show its packets (each with a
// copy button); the CNI verdict and the overhead headline beside it. Also the flows table's search
// box, class toggles and per-row filters, and the CSV download of the tables. The behaviour is in
// HEALTH_SCRIPT, which assets.ts appends to the page's one script (its SHA-256 is in the CSP).
import type { AnalysisDocument } from '../../engine/analyze.js';
import type { PacketFilters } from '../../analyses/findings/filters.js';
import { dissectCommand, tsharkCommand } from '../../analyses/findings/filters.js';
import { classChip, esc, int, share } from './format.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

const SEV_RANK: Record<string, number> = { error: 3, warning: 2, info: 1 };

/** One finding of any source (lint, correlate) in the summary's shape. */
interface HealthFinding { source: string; rule: string; severity: string; message: string; count: number; firstFrame: number; evidence: Obj }

/** Findings of every section that has them (lint; correlate when the document carries it), worst first, then most packets. */
export function healthFindings(doc: AnalysisDocument): HealthFinding[] {
  const out: HealthFinding[] = [];
  const sections: Record<string, unknown> = { ...doc };
  for (const source of ['lint', 'correlate', 'cluster']) {
    const sec = sections[source];
    if (!isObj(sec)) continue;
    for (const f of arr(sec.findings).filter(isObj)) {
      out.push({
        source, rule: str(f.rule) ?? '?', severity: str(f.severity) ?? 'info', message: str(f.message) ?? '', count: num(f.count),
        firstFrame: num(f.firstFrame), evidence: isObj(f.evidence) ? f.evidence : {},
      });
    }
  }
  return out.sort((a, b) => (SEV_RANK[b.severity] ?? 0) - (SEV_RANK[a.severity] ?? 0) || b.count - a.count || a.rule.localeCompare(b.rule));
}

/** The tunnels, node pairs, senders or ports a finding's evidence names (at most 5 shown). */
export function affected(e: Obj): string[] {
  const out: string[] = [];
  for (const p of arr(e.pairs).filter(isObj)) {
    if (p.a !== undefined && p.b !== undefined) out.push(`${str(p.a)} ↔ ${str(p.b)}`);
    else if (p.src !== undefined) out.push(`${str(p.src)} → ${str(p.dst)}`);
  }
  for (const p of arr(e.endpoints).filter(isObj)) out.push(`${str(p.src)} → ${str(p.dst)}`);
  for (const s of arr(e.sessions).filter(isObj)) out.push(`BGP ${arr(s.peers).map(String).join(' ↔ ')}`);
  for (const s of [...arr(e.senders), ...arr(e.topSenders)].filter(isObj)) out.push(`from ${str(s.ip)}`);
  if (e.from !== undefined && e.to !== undefined) out.push(`${str(e.from)} → ${str(e.to)}`);
  if (e.a !== undefined && e.b !== undefined && out.length === 0) out.push(`${str(e.a)} ↔ ${str(e.b)}`);
  if (out.length === 0 && isObj(e.ports)) out.push(...Object.keys(e.ports).map((p) => `UDP ${p}`));
  if (out.length === 0 && isObj(e.vnis)) out.push(...Object.keys(e.vnis).map((v) => `VNI ${v}`));
  return [...new Set(out)];
}

/** A filter with its copy button and the visible field the button fills (the clipboard is not always there). */
export function copyable(label: string, text: string, kind: string): string {
  return `<div class="filter-line" data-filter-kind="${esc(kind)}"><span class="fl">${esc(label)}</span><code class="filter">${esc(text)}</code>` +
    `<button type="button" class="copy" data-copy="${esc(text)}" title="copy to the clipboard">copy</button>` +
    `<input class="copy-out" readonly hidden aria-label="copied text" value=""></div>`;
}

/** The filters of a finding or flow: the tunnelscope display filter, the full dissect and tshark commands. */
export function filterBlock(e: Partial<PacketFilters>, file: string): string {
  if (typeof e.filter !== 'string') return '';
  const out: string[] = [copyable('-Y', e.filter, 'filter')];
  const d = dissectCommand(file, e);
  if (d) out.push(copyable('tunnelscope', d, 'dissect'));
  const t = tsharkCommand(file, e);
  if (t) out.push(copyable('tshark', t, 'tshark'));
  if (e.filterExact === false && e.filterNote) out.push(`<div class="note">Not exact: ${esc(e.filterNote)}.</div>`);
  return `<div class="filters">${out.join('')}</div>`;
}

/** The capture name a command should name: the only file, else FILE. */
export function captureName(doc: AnalysisDocument): string {
  return doc.summary.files.length === 1 ? doc.summary.files[0].name : 'FILE';
}

function cniHeadline(doc: AnalysisDocument): string {
  const c = doc.cni;
  if (!isObj(c)) return '<p class="note">CNI fingerprint: not available in this analysis.</p>';
  const status = str(c.status) ?? 'unknown';
  const name = status === 'identified' ? (str(c.label) ?? str(c.verdict) ?? '?') : (str(c.verdict) ?? 'unknown');
  const conf = typeof c.confidence === 'number' ? ` · confidence ${(c.confidence * 100).toFixed(0)}%` : '';
  return `<div class="stat"><div class="k">CNI verdict</div><div class="v" data-k="health-cni">${esc(name)}</div><div class="d">${esc(status)}${esc(conf)}</div>` +
    (str(c.reason) ? `<div class="d">${esc(str(c.reason))}</div>` : '') + '</div>';
}

function overheadHeadline(doc: AnalysisDocument): string {
  let wire = 0, over = 0;
  for (const c of doc.classes) { wire += c.bytes; over += c.overheadBytes; }
  const top = [...doc.classes].filter((c) => c.overheadBytes > 0).sort((a, b) => b.overheadBytes - a.overheadBytes)[0];
  const detail = top ? `most in ${top.class}: ${share(top.overheadShare)} of its bytes` : 'no encapsulated traffic';
  return `<div class="stat"><div class="k">Encapsulation overhead</div><div class="v" data-k="health-overhead">${esc(share(wire ? over / wire : 0))}</div>` +
    `<div class="d">${esc(int(over))} of ${esc(int(wire))} wire bytes are tunnel headers; ${esc(detail)}</div></div>`;
}

/** The first section of the page. */
export function healthSection(doc: AnalysisDocument): string {
  const findings = healthFindings(doc);
  const file = captureName(doc);
  const out: string[] = ['<div class="health">', '<div class="health-findings">'];
  if (!findings.length) {
    out.push(isObj(doc.lint) ? '<p class="ok" data-k="health-none">No finding: nothing misconfigured that the rules look for.</p>'
      : '<p class="na" data-na>Lint findings: not available in this analysis.</p>');
  } else {
    out.push('<ol class="health-list">');
    for (const f of findings) {
      const aff = affected(f.evidence);
      const affText = aff.length ? `<div class="affected">${aff.slice(0, 5).map((a) => `<span class="mono">${esc(a)}</span>`).join(', ')}${aff.length > 5 ? ` and ${int(aff.length - 5)} more` : ''}</div>` : '';
      out.push(`<li class="health-item" data-rule="${esc(f.rule)}" data-severity="${esc(f.severity)}">` +
        `<div class="hl"><span class="sev sev-${esc(f.severity)}">${esc(f.severity)}</span> <span class="mono rule">${esc(f.rule)}</span> ` +
        `<span class="count" data-k="health-count">${esc(int(f.count))}</span> <span class="note">× from frame ${esc(int(f.firstFrame))}</span></div>` +
        `<div class="msg">${esc(f.message)}</div>${affText}${filterBlock(f.evidence as Partial<PacketFilters>, file)}</li>`);
    }
    out.push('</ol>');
  }
  out.push('</div>', `<aside class="health-side">${cniHeadline(doc)}${overheadHeadline(doc)}</aside>`, '</div>');
  return `<section id="health" data-section="health"><h2>Health summary</h2>${out.join('')}</section>`;
}

/** Search box and one toggle per class above the flows table. */
export function flowControls(doc: AnalysisDocument): string {
  const classes = [...new Set(doc.topFlows.map((f) => f.class))];
  return `<div class="flow-controls"><input type="search" id="flows-search" placeholder="search flows (address, port, class…)" aria-label="search flows">` +
    `<span class="toggles">${classes.map((c) => `<label><input type="checkbox" data-class-toggle="${esc(c)}" checked> ${classChip(c)}</label>`).join(' ')}</span>` +
    '<span class="note" id="flows-shown"></span></div>';
}

/**
 * The flows' filters, packed: 500 rows of full filters would triple the page, so each row carries
 * only the values (addresses, ports, VNIs: the tokens with a digit) and an index into a few shared
 * templates; the page's script rebuilds the exact texts when a row's filters are opened.
 */
export function packFlowFilters(list: readonly (Partial<PacketFilters> | undefined)[]): { templates: string[]; rows: ({ t: number; v: string } | null)[] } {
  const templates: string[] = [];
  const index = new Map<string, number>();
  const rows = list.map((e) => {
    if (!e || typeof e.filter !== 'string') return null;
    const vals: string[] = [];
    const seen = new Map<string, number>();
    const text = JSON.stringify([e.filter, e.dissectArgs ?? [], e.tsharkFilter ?? '', e.tsharkArgs ?? [], e.filterExact !== false, e.filterNote ?? '']);
    const tpl = text.replace(/[0-9A-Fa-f:.]*[0-9][0-9A-Fa-f:.]*/g, (m) => {
      let i = seen.get(m);
      if (i === undefined) { i = vals.length; vals.push(m); seen.set(m, i); }
      return `\`${i}\``;
    });
    let t = index.get(tpl);
    if (t === undefined) { t = templates.length; templates.push(tpl); index.set(tpl, t); }
    return { t, v: vals.join(' ') };
  });
  return { templates, rows };
}

/** The row attributes that carry a flow's packed filters. */
export function flowFilterAttrs(row: { t: number; v: string } | null): string {
  return row ? ` data-ft="${row.t}" data-fv="${esc(row.v)}"` : '';
}

/** The templates and the capture name, once per page, for the script. */
export function flowFilterTemplates(templates: readonly string[], file: string): string {
  return `<div id="flow-filter-templates" hidden data-file="${esc(file)}" data-t="${esc(JSON.stringify(templates))}"></div>`;
}

/** The filters cell of a flow row: a button that opens the row's filters. */
export const FLOW_FILTER_CELL = '<button class=ff>filters</button>';

export const HEALTH_CSS = `
#health{border-bottom:2px solid var(--line)}
.health{display:grid;grid-template-columns:minmax(0,1fr) 300px;gap:16px}
@media (max-width:900px){.health{grid-template-columns:1fr}}
.health-side{display:flex;flex-direction:column;gap:10px}
.health-side .v{white-space:normal;font-size:18px}
ol.health-list{list-style:none;margin:0;padding:0}
.health-item{border:1px solid var(--line);border-left-width:4px;border-radius:8px;padding:6px 12px;margin:0 0 8px;background:var(--panel)}
.health-item[data-severity=error]{border-left-color:var(--err)}.health-item[data-severity=warning]{border-left-color:var(--warn)}.health-item[data-severity=info]{border-left-color:var(--info)}
.health-item .count{font-weight:700;font-variant-numeric:tabular-nums}
.health-item .msg{margin:2px 0}
.affected{font-size:12px;color:#374151}
.filters{margin-top:4px}
.filter-line{display:flex;align-items:center;gap:6px;margin:2px 0;flex-wrap:wrap}
.filter-line .fl{color:var(--muted);font-size:12px;width:70px;flex:none}
code.filter{background:#eef2f7;border-radius:4px;padding:1px 5px;word-break:break-all;white-space:pre-wrap;flex:1 1 0;min-width:240px}
button.copy,button.csv{font:inherit;font-size:12px;padding:1px 8px;border:1px solid #cbd5e1;border-radius:4px;background:#fff;cursor:pointer}
button.copy:hover,button.csv:hover{border-color:var(--accent);color:var(--accent)}
input.copy-out{font-family:ui-monospace,monospace;font-size:12px;flex:1 1 100%;margin-left:76px}
.flow-controls{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center;margin:6px 0}
#flows-search{font:inherit;padding:3px 8px;min-width:260px;border:1px solid #cbd5e1;border-radius:4px}
.toggles label{margin-right:8px;white-space:nowrap;cursor:pointer}
button.ff{all:unset;cursor:pointer;color:var(--accent);font-size:12px}
td .filters{min-width:520px}
.csv-bar{margin:4px 0}
`;

/**
 * Copy buttons (clipboard when the page may use it, and always the visible field beside the
 * button, selected), the flows search and class toggles, and a CSV download for the tables that
 * have a CSV form (a data: URL built from the table in the page; nothing is requested).
 */
export const HEALTH_SCRIPT = `
(function(){
  document.addEventListener('click',function(ev){
    var b=ev.target&&ev.target.closest?ev.target.closest('button.copy'):null;if(!b)return;
    var text=b.getAttribute('data-copy')||'';var out=b.parentNode.querySelector('input.copy-out');
    if(out){out.value=text;out.hidden=false;out.focus();out.select();}
    function done(ok){b.textContent=ok?'copied':'select and copy';b.setAttribute('data-copied',ok?'clipboard':'field');}
    try{if(navigator.clipboard&&navigator.clipboard.writeText){navigator.clipboard.writeText(text).then(function(){done(true)},function(){done(false)});}else done(false);}catch(e){done(false);}
  });
  var table=document.getElementById('flows-table'),search=document.getElementById('flows-search');
  if(table&&search){
    var toggles=document.querySelectorAll('input[data-class-toggle]'),shown=document.getElementById('flows-shown');
    var apply=function(){
      var q=search.value.trim().toLowerCase(),off={},n=0,rows=table.tBodies[0].rows;
      for(var i=0;i<toggles.length;i++)if(!toggles[i].checked)off[toggles[i].getAttribute('data-class-toggle')]=1;
      for(var j=0;j<rows.length;j++){var r=rows[j];var hide=!!off[r.getAttribute('data-class')]||(q!==''&&r.textContent.toLowerCase().indexOf(q)<0);r.hidden=hide;if(!hide)n++;}
      if(shown)shown.textContent=n+' of '+rows.length+' flows shown';
    };
    search.addEventListener('input',apply);
    for(var k=0;k<toggles.length;k++)toggles[k].addEventListener('change',apply);
  }
  // A flow row's filters: the template with the row's values put back, as the health summary shows them.
  var tplEl=document.getElementById('flow-filter-templates'),tpls=null;
  function q(s){return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s)?s:"'"+s.replace(/'/g,"'\\''")+"'";}
  function esc(s){return String(s).replace(/[&<>"]/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]});}
  function line(label,text,kind){return '<div class="filter-line" data-filter-kind="'+kind+'"><span class="fl">'+esc(label)+'</span><code class="filter">'+esc(text)+'</code><button type="button" class="copy" data-copy="'+esc(text)+'">copy</button><input class="copy-out" readonly hidden aria-label="copied text" value=""></div>';}
  document.addEventListener('click',function(ev){
    var b=ev.target&&ev.target.closest?ev.target.closest('button.ff'):null;if(!b||!tplEl)return;
    var cell=b.parentNode,old=cell.querySelector('.filters');if(old){old.hidden=!old.hidden;return;}
    var tr=b.closest('tr');tpls=tpls||JSON.parse(tplEl.getAttribute('data-t'));
    var vals=(tr.getAttribute('data-fv')||'').split(' ');
    var f=JSON.parse(tpls[+tr.getAttribute('data-ft')].replace(/\x60(\\d+)\x60/g,function(_,i){return vals[+i]}));
    var file=tplEl.getAttribute('data-file');
    var html=line('-Y',f[0],'filter')+line('tunnelscope',['tunnelscope dissect',q(file)].concat(f[1].map(q),['-Y',q(f[0])]).join(' '),'dissect')+
      line('tshark',['tshark -r',q(file)].concat(f[3].map(q),['-Y',q(f[2])]).join(' '),'tshark')+(f[4]?'':'<div class="note">Not exact: '+esc(f[5])+'.</div>');
    var d=document.createElement('div');d.className='filters';d.innerHTML=html;cell.appendChild(d);
  });
  var csvIds=['classes-table','flows-table','tunnels-table','lint-table'];
  function cell(td){var v=td.getAttribute('data-v');var s=(v!==null&&v!==''?v:td.querySelector('button.ff')?'':td.textContent).trim();return /[",\\n]/.test(s)?'"'+s.replace(/"/g,'""')+'"':s;}
  csvIds.forEach(function(id){
    var t=document.getElementById(id);if(!t||!t.tHead)return;
    var wrap=t.closest('.table-wrap')||t;var bar=document.createElement('div');bar.className='csv-bar';
    var a=document.createElement('button');a.type='button';a.className='csv';a.setAttribute('data-csv',id);a.textContent='download CSV';
    a.addEventListener('click',function(){
      var lines=[],head=t.tHead.rows[0].cells,h=[];for(var i=0;i<head.length;i++)h.push(cell(head[i]));lines.push(h.join(','));
      var rows=t.tBodies[0].rows;for(var j=0;j<rows.length;j++){if(rows[j].hidden)continue;var c=[];for(var k=0;k<rows[j].cells.length;k++)c.push(cell(rows[j].cells[k]));lines.push(c.join(','));}
      var link=document.createElement('a');link.href='data:text/csv;charset=utf-8,'+encodeURIComponent(lines.join('\\n')+'\\n');
      link.download=id.replace(/-table$/,'')+'.csv';link.setAttribute('data-csv-link',id);link.hidden=true;document.body.appendChild(link);link.click();
    });
    bar.appendChild(a);wrap.parentNode.insertBefore(bar,wrap);
  });
})();
`;
