// The page's only style sheet and script, inlined: the page makes no request at all (its
// Content-Security-Policy forbids any), so it opens from a file, a CI artifact or an e-mail.
import { CLASS_CSS } from './format.js';
import { HEALTH_CSS, HEALTH_SCRIPT } from './health.js';

export const CSS = `
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#fff;--panel:#f8fafc;--accent:#2563eb;
--err:#b91c1c;--warn:#b45309;--info:#1d4ed8;--ok:#15803d}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:var(--bg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
header.top{background:#0f172a;color:#e2e8f0;padding:18px 0 14px}
header.top h1{margin:0;font-size:22px;font-weight:650;letter-spacing:-.01em;color:#fff}
header.top .sub{color:#94a3b8;font-size:13px;margin-top:2px;word-break:break-all}
.wrap{max-width:1320px;margin:0 auto;padding:0 24px}
nav.toc{position:sticky;top:0;z-index:5;background:rgba(255,255,255,.96);border-bottom:1px solid var(--line);backdrop-filter:blur(4px)}
nav.toc .wrap{display:flex;flex-wrap:wrap;gap:2px 14px;padding-top:7px;padding-bottom:7px}
nav.toc a{color:var(--muted);text-decoration:none;font-size:13px}
nav.toc a:hover{color:var(--accent)}
main section{padding:20px 0 8px;border-bottom:1px solid var(--line)}
main section:last-child{border-bottom:0}
h2{font-size:18px;margin:0 0 10px;font-weight:650;letter-spacing:-.01em}
h3{font-size:15px;margin:18px 0 8px;font-weight:600}
h4{font-size:13px;margin:14px 0 6px;font-weight:600;color:#374151}
p{margin:6px 0}
.note{color:var(--muted);font-size:13px}
.na{color:var(--muted);font-style:italic}
a{color:var(--accent)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:4px 0 12px}
.stat{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:9px 12px}
.stat .k{color:var(--muted);font-size:12px}
.stat .v{font-size:20px;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}
.stat .d{color:var(--muted);font-size:12px}
.chip{display:inline-flex;align-items:center;gap:6px;white-space:nowrap}
.chip::before{content:"";display:inline-block;width:11px;height:11px;border-radius:3px;background:var(--c,#888)}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:6px 0 2px;font-size:13px}
.chart{display:block;width:100%;height:auto;font-family:inherit}
.chart .grid{stroke:#eef0f3;stroke-width:1}
.chart .axis{stroke:#9ca3af;stroke-width:1}
.chart .tick{fill:#4b5563;font-size:11px;font-variant-numeric:tabular-nums}
.chart .axis-label{fill:#374151;font-size:12px}
.chart .panel-title{fill:#111827;font-size:13px;font-weight:600}
.chart .row-label{fill:#1f2937;font-size:12px}
.chart .val{fill:#374151;font-size:11px;dominant-baseline:middle;font-variant-numeric:tabular-nums}
.chart .area{stroke:#fff;stroke-width:.6;stroke-linejoin:round}
.chart .mtu line{stroke:#dc2626;stroke-width:1.5;stroke-dasharray:4 3}
.chart .mtu text{fill:#dc2626;font-size:11px;font-weight:600}
.hists{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px}
.hists figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px 10px 4px}
figure figcaption{font-size:13px;font-weight:600}
.table-wrap{overflow:auto;max-height:640px;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:13px}
#flows-table{font-size:12.5px}
caption{text-align:left;padding:6px 8px;color:var(--muted)}
th,td{padding:5px 7px;border-bottom:1px solid #f0f1f3;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
thead th{position:sticky;top:0;background:#f3f4f6;z-index:1;border-bottom:1px solid var(--line)}
th button{all:unset;cursor:pointer;font-weight:600;color:#111827;white-space:nowrap}
th button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
th button::after{content:"";display:inline-block;width:1em;color:var(--muted)}
th[aria-sort=ascending] button::after{content:" ▲"}
th[aria-sort=descending] button::after{content:" ▼"}
tbody tr:nth-child(even){background:#fafbfc}
tbody tr:hover{background:#eef4ff}
td.mono,td .mono{white-space:nowrap}
.sev{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff}
.sev-error{background:var(--err)}.sev-warning{background:var(--warn)}.sev-info{background:var(--info)}.sev-ok{background:var(--ok)}.sev-muted{background:#6b7280}
.card.verdict{max-width:760px}
.ok{color:var(--ok);font-weight:600}
details.facts{margin:10px 0}details.facts summary{cursor:pointer;color:var(--accent)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:var(--panel)}
.card h3{margin:2px 0 6px}
.meter{height:8px;background:#e5e7eb;border-radius:4px;overflow:hidden;margin:4px 0 8px}
.meter b{display:block;height:100%;background:var(--ok)}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0;word-break:break-word}
ul.plain{margin:4px 0;padding-left:18px}
.glossary dt{font-weight:600;margin-top:10px}
.glossary dd{margin:2px 0 0 0}
:target{scroll-margin-top:48px}
.glossary :target,.glossary dt:target{background:#fff7d6}
footer{color:var(--muted);font-size:12px;padding:18px 0 30px}
@media print{nav.toc{display:none}.table-wrap{max-height:none;overflow:visible}}
${CLASS_CSS}
${HEALTH_CSS}`;

/** Click a column header to sort; again to reverse. Numbers sort by data-v, largest first. Then the health summary's copy buttons, the flows search and toggles, CSV downloads (html/health.ts). */
export const SCRIPT = `
(function(){
  function key(td,num){
    if(!td)return num?-Infinity:'';
    var v=td.getAttribute('data-v');
    if(num){var n=parseFloat(v!==null&&v!==''?v:td.textContent.replace(/,/g,''));return isNaN(n)?-Infinity:n}
    return (v!==null?v:td.textContent).toLowerCase();
  }
  var tables=document.querySelectorAll('table.sortable');
  for(var t=0;t<tables.length;t++)(function(table){
    var ths=table.tHead?table.tHead.rows[0].cells:[];
    for(var i=0;i<ths.length;i++)(function(th,col){
      var b=th.querySelector('button');if(!b)return;
      b.addEventListener('click',function(){
        var num=th.getAttribute('data-type')==='num';
        var cur=th.getAttribute('aria-sort');
        var desc=cur?cur==='ascending':num;
        for(var j=0;j<ths.length;j++)ths[j].removeAttribute('aria-sort');
        th.setAttribute('aria-sort',desc?'descending':'ascending');
        var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        rows.forEach(function(r,k){if(!r.hasAttribute('data-i'))r.setAttribute('data-i',k)});
        rows.sort(function(a,c){
          var x=key(a.cells[col],num),y=key(c.cells[col],num);
          var d=x<y?-1:x>y?1:0;if(desc)d=-d;
          return d||(+a.getAttribute('data-i'))-(+c.getAttribute('data-i'));
        });
        var f=document.createDocumentFragment();rows.forEach(function(r){f.appendChild(r)});body.appendChild(f);
      });
    })(ths[i],i);
  })(tables[t]);
})();
` + HEALTH_SCRIPT;
