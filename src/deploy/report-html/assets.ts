/**
 * The page's own CSS and script, inlined. The script only sorts and filters
 * the VM table and highlights a VM's lane; the page reads the same without it.
 */
export const CSS = `
:root{--ok:#15803d;--failed:#b91c1c;--muted:#6b7280;--line:#e5e7eb}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#111827;color:#fff;padding:12px 24px}header h1{margin:0;font-size:20px}
nav a{color:#93c5fd;margin-right:14px;font-size:13px}
main{padding:8px 24px 40px;max-width:1400px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 16px;margin:14px 0}
h2{font-size:17px;margin:4px 0 10px}h3{font-size:14px;margin:12px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
td.num,th.num{text-align:right}
.status{font-weight:600}.status-failed,.failed .lane-name{color:var(--failed)}
.status-created,.status-updated,.status-clean,.status-ok,.status-passed{color:var(--ok)}.status-unchanged{color:var(--muted)}
.status-drift{color:#b45309}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dl.summary dt{color:var(--muted)}dl.summary dd{margin:0}
.counts span{display:inline-block;margin-right:12px}
.lanes{position:relative}
.lane{display:grid;grid-template-columns:220px 1fr;align-items:center;min-height:22px;border-bottom:1px dashed var(--line)}
.lane-name{font-size:12px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;padding-right:6px}
.track{position:relative;height:18px;background:#f3f4f6}
.bar{position:absolute;height:14px;min-width:2px;border-radius:2px;font-size:10px;line-height:14px;color:#fff;overflow:hidden;white-space:nowrap;padding:0 2px;box-sizing:border-box}
.bar-preflight{background:#94a3b8}.bar-upload{background:#2563eb}.bar-convert{background:#7c3aed}.bar-filters{background:#0891b2}.bar-prepare{background:#64748b}
.bar-define,.bar-overlays,.bar-start{background:#16a34a}.bar-rollback{background:#d97706}.bar-other{background:#475569}
.bar.failed{background:var(--failed)!important}
.lane-error{grid-column:2;color:var(--failed);font-size:12px;padding:2px 0 4px}
.axis{display:grid;grid-template-columns:220px 1fr;font-size:11px;color:var(--muted)}.axis .ticks{position:relative;height:16px}.axis .ticks span{position:absolute;transform:translateX(-50%)}
.legend span{display:inline-block;margin-right:10px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.graph{overflow:auto;border:1px solid var(--line);margin:6px 0}.graph svg{max-width:100%;height:auto}
.filterbar{margin:0 0 8px}.filterbar input{font:inherit;padding:3px 6px;width:280px}
.muted{color:var(--muted)}
tr.hidden{display:none}
`;

/** Sort on header click (numbers as numbers), filter on input; nothing is fetched, nothing is evaluated. */
export const SCRIPT = `
(function(){
var t=document.getElementById('vm-table');if(!t)return;var body=t.tBodies[0];
var ths=t.tHead.rows[0].cells;
for(var i=0;i<ths.length;i++)(function(i){var b=ths[i].querySelector('button');if(!b)return;b.addEventListener('click',function(){
var dir=ths[i].getAttribute('aria-sort')==='ascending'?'descending':'ascending';
for(var j=0;j<ths.length;j++)ths[j].removeAttribute('aria-sort');ths[i].setAttribute('aria-sort',dir);
var num=ths[i].classList.contains('num');var rows=Array.prototype.slice.call(body.rows);
rows.sort(function(a,b){var x=a.cells[i].getAttribute('data-v')||a.cells[i].textContent,y=b.cells[i].getAttribute('data-v')||b.cells[i].textContent;
var c=num?(parseFloat(x)||0)-(parseFloat(y)||0):x.localeCompare(y);return dir==='ascending'?c:-c;});
rows.forEach(function(r){body.appendChild(r);});});})(i);
var f=document.getElementById('vm-filter');if(f){f.hidden=false;f.addEventListener('input',function(){var q=f.value.toLowerCase();
Array.prototype.forEach.call(body.rows,function(r){r.classList.toggle('hidden',q!==''&&r.textContent.toLowerCase().indexOf(q)<0);});
var n=document.getElementById('vm-shown');if(n)n.textContent=String(body.querySelectorAll('tr:not(.hidden)').length);});}
})();
`;
