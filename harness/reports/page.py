"""The page's frame: plotly.js inlined (gzip-compressed, unpacked by the browser), the styles, and the
script that draws the figures and makes tables sortable and searchable. Nothing is fetched: the page
opens from a file:// URL with the network off."""

from __future__ import annotations

import base64
import functools
import json
import os
import zlib

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1280px;padding:0 1.5em 3em;color:#222}
h1{font-size:1.5em;margin-top:1em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}th,td{padding:.25em .6em;border-bottom:1px solid #e4e4e4;text-align:right}
th{background:#f4f4f4;position:sticky;top:0}td:first-child,th:first-child{text-align:left}
table.sortable th{cursor:pointer}table.sortable th:after{content:" \\2195";color:#aaa}
.plot{min-height:300px;margin:1em 0;border:1px solid #eee}.plot.wide{overflow-x:auto}.note{color:#666;font-size:.9em}
.scroll{max-height:32em;overflow:auto;border:1px solid #eee}input.search{margin:.5em 0;padding:.3em;width:20em}
.first{font-weight:bold;color:#c00}.second{color:#06c}.third{color:#080}
nav a{margin-right:1em}code{background:#f4f4f4;padding:0 .2em}details{margin:.5em 0}
#plotly-missing{display:none;color:#c00}
"""

# Unpacks plotly.js, draws every figure of the JSON payload into its div, then marks the page as drawn
# (data-plots="drawn", or "failed" with the error shown) for the reader and for the browser test.
SCRIPT = """
async function unpackPlotly(){
  if(typeof DecompressionStream==='undefined'){throw new Error('this browser cannot unpack the embedded plotly.js (DecompressionStream: Chrome 80+, Firefox 113+, Safari 16.4+)');}
  const text=atob(document.getElementById('plotly-gzip').textContent);
  const bytes=new Uint8Array(text.length);for(let i=0;i<text.length;i++){bytes[i]=text.charCodeAt(i);}
  const js=await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
  const tag=document.createElement('script');tag.textContent=js;document.head.appendChild(tag);
}
async function draw(){
  try{
    await unpackPlotly();
    const figures=JSON.parse(document.getElementById('figures').textContent);
    for(const [id,figure] of Object.entries(figures)){
      await Plotly.newPlot(id,figure.data,figure.layout,{displaylogo:false,responsive:true});
    }
    document.body.dataset.plots='drawn';
  }catch(error){
    const box=document.getElementById('plotly-missing');box.textContent='Plots could not be drawn: '+error.message;
    box.style.display='block';document.body.dataset.plots='failed';throw error;
  }
}
function sortable(table){
  const body=table.tBodies[0];
  table.tHead.querySelectorAll('th').forEach((th,column)=>{
    let ascending=false;
    th.addEventListener('click',()=>{
      ascending=!ascending;
      const key=row=>{const t=row.cells[column].textContent.trim();const v=parseFloat(t);return isNaN(v)?t.toLowerCase():v;};
      const rows=Array.from(body.rows).sort((a,b)=>{const x=key(a),y=key(b);return (x<y?-1:x>y?1:0)*(ascending?1:-1);});
      rows.forEach(r=>body.appendChild(r));
    });
  });
}
function searchable(input){
  const table=document.getElementById(input.dataset.table);
  input.addEventListener('input',()=>{
    const words=input.value.toLowerCase();
    Array.from(table.tBodies[0].rows).forEach(r=>{r.style.display=r.cells[0].textContent.toLowerCase().includes(words)?'':'none';});
  });
}
document.querySelectorAll('table.sortable').forEach(sortable);
document.querySelectorAll('input.search').forEach(searchable);
draw();
"""


@functools.cache
def plotly_gzip_base64() -> str:
    """plotly.js as the plotly package ships it, gzip-compressed and base64-encoded: 1.9 MB in the page
    instead of 4.8 MB. Compressing takes 0.15 s, a tenth of an eval, so the result is kept in the
    harness cache (``$HARNESS_CACHE``), one file per plotly version, and compressed once per machine."""
    import plotly
    from plotly.offline import get_plotlyjs

    from benchmarks.synthetic import cache_dir

    kept = cache_dir() / f"plotly-{plotly.__version__}.js.gz.b64"
    try:
        return kept.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        pass
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip stream, what DecompressionStream reads
    packed = base64.b64encode(packer.compress(get_plotlyjs().encode()) + packer.flush()).decode("ascii")
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f"{kept.name}.{os.getpid()}.partial")
        partial.write_text(packed, encoding="ascii")
        os.replace(partial, kept)  # whole or absent: a concurrent report never reads half a file
    except OSError:
        pass  # a read-only cache costs this compression again next time, nothing else
    return packed


def script_json(data: object) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' that could end it or open a tag."""
    text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def page(title: str, body: str, figures: dict[str, dict]) -> str:
    """The whole document: `body` (already escaped HTML), then the figures drawn into their divs."""
    import html

    return "".join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n",
        '<p id="plotly-missing"></p>\n', body,
        f'\n<script id="plotly-gzip" type="application/octet-stream">{plotly_gzip_base64()}</script>',
        f'\n<script id="figures" type="application/json">{script_json(figures)}</script>',
        f"\n<script>{SCRIPT}</script>\n</body></html>\n",
    ])
