"""The viewer's HTML: one self-contained file (frames as base64 JPEG, the data as JSON, plotly.js inlined as the
report inlines it, harness/reports/page.py), drawn in the browser: each frame on a canvas with every tracker's
region and the ground truth over it, a slider, play/pause, a frame counter, and the overlap over time (plotly; a
click on it goes to that frame; `page.html#frame=N` opens at frame N). The state a reader sees is kept on
`window.viewer` (the frame, the regions drawn), which the browser tests read back."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.masks import Masks
from harness.reports.page import page, script_json
from harness.store import STATUSES
from harness.viewer.data import SequenceView
from harness.viewer.frames import QUALITY, default_side, jpeg_base64, read_frame, shrunk

STYLE = """
.stage{position:relative;display:inline-block;background:#222;line-height:0}
#frame{max-width:100%;height:auto}
.controls{display:flex;align-items:center;gap:.8em;margin:.5em 0;flex-wrap:wrap}
.controls input[type=range]{flex:1;min-width:20em}
#counter{font-variant-numeric:tabular-nums;min-width:16em}
.legend span.swatch{display:inline-block;width:1.6em;height:.35em;margin-right:.4em;vertical-align:middle}
.legend div{margin:.15em 0;font-size:.9em}.legend .state{color:#c00;font-weight:bold;margin-left:.5em}
.legend .iou{font-variant-numeric:tabular-nums;margin-left:.5em;color:#444}
.layout{display:flex;gap:1.5em;flex-wrap:wrap;align-items:flex-start}
"""

SCRIPT = """
(function(){
const data=JSON.parse(document.getElementById('viewer-data').textContent);
const images=JSON.parse(document.getElementById('viewer-frames').textContent);
const canvas=document.getElementById('frame'),ctx=canvas.getContext('2d');
const slider=document.getElementById('slider'),counter=document.getElementById('counter');
const play=document.getElementById('play'),speed=document.getElementById('speed'),legend=document.getElementById('legend');
const [width,height]=data.size,zoom=Math.min(720/Math.max(width,height),4);
canvas.width=Math.round(width*zoom);canvas.height=Math.round(height*zoom);
const decoded=new Map();
const state={index:0,step:0,frame:0,painted:-1,drawn:[],playing:false,goTo:show,goToStep:step=>show(nearest(step))};
window.viewer=state;
function nearest(step){let best=0;data.shown.forEach((s,i)=>{if(Math.abs(s-step)<Math.abs(data.shown[best]-step)){best=i;}});return best;}
function image(index){
  if(images[index]===null){return null;}
  if(!decoded.has(index)){const img=new Image();img.src='data:image/jpeg;base64,'+images[index];decoded.set(index,img);}
  return decoded.get(index);
}
function box(values,colour,dash){
  ctx.setLineDash(dash||[]);ctx.strokeStyle='rgba(0,0,0,.6)';ctx.lineWidth=4;
  ctx.strokeRect(values[0]*zoom,values[1]*zoom,values[2]*zoom,values[3]*zoom);
  ctx.strokeStyle=colour;ctx.lineWidth=2;ctx.strokeRect(values[0]*zoom,values[1]*zoom,values[2]*zoom,values[3]*zoom);
}
function polygon(values,colour,dash){
  ctx.setLineDash(dash||[]);ctx.beginPath();
  for(let i=0;i<values.length;i+=2){ctx.lineTo(values[i]*zoom,values[i+1]*zoom);}
  ctx.closePath();ctx.strokeStyle='rgba(0,0,0,.6)';ctx.lineWidth=4;ctx.stroke();ctx.strokeStyle=colour;ctx.lineWidth=2;ctx.stroke();
}
function mask(rle,colour){
  const [x,y,w,h]=rle;if(!w||!h){return;}
  const off=document.createElement('canvas');off.width=w;off.height=h;
  const octx=off.getContext('2d'),pixels=octx.createImageData(w,h);
  const rgb=[1,3,5].map(i=>parseInt(colour.slice(i,i+2),16));
  let p=0;
  for(let r=4;r<rle.length;r++){
    if((r-4)%2===1){for(let k=p;k<p+rle[r];k++){pixels.data.set([rgb[0],rgb[1],rgb[2],110],4*k);}}
    p+=rle[r];
  }
  octx.putImageData(pixels,0,0);ctx.imageSmoothingEnabled=false;
  ctx.drawImage(off,x*zoom,y*zoom,w*zoom,h*zoom);ctx.imageSmoothingEnabled=true;
  box([x,y,w,h],colour,[2,3]);
}
function region(name,values,rle,colour,dash){
  if(rle){mask(rle,colour);state.drawn.push({name:name,kind:'mask',values:rle});}
  else if(values&&values.length===8){polygon(values,colour,dash);state.drawn.push({name:name,kind:'polygon',values:values});}
  else if(values){box(values,colour,dash);state.drawn.push({name:name,kind:'box',values:values});}
}
function overlays(step){
  state.drawn=[];
  const truth=data.truth[step],truthMask=data.truthMasks?data.truthMasks[step]:null;
  if(!data.absent[step]){region('ground truth',truth,truthMask,'#ffffff',[6,4]);}
  data.trackers.forEach(t=>{if(data.statuses[t.status[step]]!=='skipped'){region(t.name,t.boxes[step],t.masks?t.masks[step]:null,t.colour);}});
  if(data.absent[step]){label(truth===null&&!truthMask?'no annotation':'target absent');}
}
function label(text){
  ctx.setLineDash([]);ctx.font='bold 16px system-ui,sans-serif';const w=ctx.measureText(text).width;
  ctx.fillStyle='rgba(0,0,0,.65)';ctx.fillRect(8,8,w+16,26);ctx.fillStyle='#fff';ctx.fillText(text,16,27);
}
function missing(index){
  ctx.fillStyle='#888';ctx.fillRect(0,0,canvas.width,canvas.height);
  ctx.fillStyle='#fff';ctx.font='14px system-ui,sans-serif';
  ctx.fillText('frame missing: '+(data.missing[index]||'no frame file'),10,canvas.height-14,canvas.width-20);
}
function paint(index){
  const step=data.shown[index],img=image(index);
  const done=()=>{overlays(step);state.painted=index;};
  if(img===null){missing(index);done();return;}
  const draw=()=>{if(state.index===index){ctx.drawImage(img,0,0,canvas.width,canvas.height);done();}};
  if(img.complete&&img.naturalWidth){draw();}else{img.onload=draw;img.onerror=()=>{if(state.index===index){missing(index);done();}};}
}
const words={failed:'failed',skipped:'skipped (before re-initialisation)',initialized:'initialised'};
function describe(step){
  const rows=[];
  const truthState=data.absent[step]?(data.truth[step]===null&&!(data.truthMasks&&data.truthMasks[step])?'no annotation':'target absent'):'';
  rows.push('<div><span class="swatch" style="background:#fff;outline:1px solid #555"></span>ground truth<span class="state">'+truthState+'</span></div>');
  data.trackers.forEach(t=>{
    const status=data.statuses[t.status[step]],iou=t.overlap[step],score=t.score[step];
    const mark=status==='initialized'&&step>0&&!data.experiment.startsWith('multistart')?'re-initialised':(words[status]||'');
    rows.push('<div><span class="swatch" style="background:'+t.colour+'"></span>'+escape(t.name)+
      '<span class="iou">'+(iou===null?'':'overlap '+iou.toFixed(3))+(score===null?'':' · confidence '+score.toFixed(3))+'</span>'+
      '<span class="state">'+(step===0?'':mark)+'</span></div>');
  });
  legend.innerHTML=rows.join('');
}
function escape(text){const d=document.createElement('div');d.textContent=text;return d.innerHTML;}
function show(index){
  index=Math.max(0,Math.min(data.shown.length-1,index));
  const step=data.shown[index];
  Object.assign(state,{index:index,step:step,frame:data.frames[step]});
  slider.value=index;document.body.dataset.frame=String(state.frame);
  counter.textContent='frame '+data.frames[step]+' of '+data.length+' · run step '+(step+1)+' of '+data.frames.length+
    (data.shown.length<data.frames.length?' · shown '+(index+1)+' of '+data.shown.length:'');
  paint(index);describe(step);marker(data.frames[step]);
}
let plot=null;
function marker(frame){if(plot){Plotly.relayout(plot,{'shapes[0].x0':frame,'shapes[0].x1':frame});}}
let timer=null;
function toggle(){
  if(timer){clearInterval(timer);timer=null;play.textContent='play';state.playing=false;return;}
  if(state.index>=data.shown.length-1){show(0);}
  state.playing=true;play.textContent='pause';
  timer=setInterval(()=>{if(state.index>=data.shown.length-1){toggle();}else{show(state.index+1);}},1000/Number(speed.value));
}
slider.max=data.shown.length-1;
slider.addEventListener('input',()=>show(Number(slider.value)));
play.addEventListener('click',toggle);
speed.addEventListener('change',()=>{if(timer){toggle();toggle();}});
document.addEventListener('keydown',e=>{
  if(e.target.tagName==='SELECT'){return;}
  if(e.key==='ArrowRight'){show(state.index+1);e.preventDefault();}
  else if(e.key==='ArrowLeft'){show(state.index-1);e.preventDefault();}
  else if(e.key===' '){toggle();e.preventDefault();}
});
new MutationObserver(()=>{
  if(document.body.dataset.plots!=='drawn'||plot){return;}
  plot=document.getElementById('overlap');
  plot.on('plotly_click',event=>{const p=event.points[0];if(p){state.goToStep(p.customdata);}});
  marker(state.frame);
}).observe(document.body,{attributes:true,attributeFilter:['data-plots']});
const linked=/frame=([0-9]+)/.exec(location.hash);  // page.html#frame=N opens at frame N of the sequence
show(linked?nearest(Math.max(0,data.frames.indexOf(Number(linked[1])))):0);
})();
"""


@dataclass(frozen=True)
class Encoded:
    """The frames as the page holds them."""

    images: list[str | None]  # base64 JPEG of each shown frame, None where it could not be read
    side: int  # the longest side they were shrunk to
    quality: int


def shown_steps(length: int, max_frames: int | None) -> np.ndarray:
    """The run steps that get a picture: all, or `max_frames` of them evenly spread over the run (first and last
    included), so that a long sequence is shown whole at a coarser step."""
    if max_frames is None or max_frames >= length:
        return np.arange(length)
    return np.unique(np.round(np.linspace(0, length - 1, max(max_frames, 1))).astype(np.int64))


def encode_frames(view: SequenceView, steps: np.ndarray, side: int | None, quality: int | None) -> Encoded:
    side = side or default_side(len(steps))
    quality = quality or QUALITY
    images = []
    for step in steps:
        frame = read_frame(view.paths[step])
        images.append(None if frame is None else jpeg_base64(shrunk(frame, side), quality))
    return Encoded(images, side, quality)


def _floats(values: np.ndarray) -> list:
    return [v if math.isfinite(v) else None for v in np.asarray(values, np.float64).tolist()]


def _regions(values: np.ndarray) -> list:
    """Each row as a box (4 values) or polygon (8), None where it holds no region (NaN)."""
    rows = []
    for row in np.asarray(values, np.float64).tolist():
        finite = [v for v in row if math.isfinite(v)]
        rows.append(finite if len(finite) in (4, 8) else None)
    return rows


def _rle(masks: Masks | None) -> list | None:
    """Each frame's mask as the VOT toolkit writes it (x, y, width, height, runs from 0s), None where special."""
    if masks is None:
        return None
    return [None if masks.special[i] else [*masks.offsets[i].tolist(), *masks.sizes[i].tolist(),
                                           *masks.runs[masks.starts[i]:masks.starts[i + 1]].tolist()]
            for i in range(len(masks))]


def image_size(view: SequenceView) -> tuple[int, int]:
    """(width, height) of the frames: the benchmark's, else the first readable frame's, else a 4:3 stand-in."""
    if view.image_size is not None:
        return int(view.image_size[0]), int(view.image_size[1])
    for path in view.paths:
        frame = read_frame(path)
        if frame is not None:
            return frame.shape[1], frame.shape[0]
    return 640, 480


def viewer_data(view: SequenceView, steps: np.ndarray, encoded: Encoded, fps: float) -> dict:
    """Everything the page's script draws, as JSON: per run step, the ground truth and every tracker's output."""
    return {
        "benchmark": view.benchmark, "experiment": view.experiment, "sequence": view.sequence, "run": view.run,
        "size": list(image_size(view)), "fps": fps, "length": int(view.order.max()) + 1,
        "frames": (view.order + 1).tolist(), "shown": steps.tolist(),
        "missing": [None if image is not None or view.paths[s] is None else str(view.paths[s])
                    for s, image in zip(steps.tolist(), encoded.images)],
        "truth": _regions(view.truth), "truthMasks": _rle(view.truth_masks), "absent": view.absent.tolist(),
        "statuses": list(STATUSES),
        "trackers": [{"name": t.name, "colour": t.colour, "source": t.source, "boxes": _regions(t.boxes),
                      "masks": _rle(t.masks), "status": t.status.tolist(), "overlap": _floats(t.overlaps),
                      "score": _floats(t.scores)} for t in view.trackers],
    }


def overlap_figure(view: SequenceView) -> dict:
    """The overlap of each tracker over the run (x: the sequence's frame numbers, in run order), failures and
    re-initialisations marked, a line at the frame shown."""
    frames = (view.order + 1).tolist()
    steps = list(range(len(frames)))
    traces = []
    for t in view.trackers:
        group = {"legendgroup": html.escape(t.name, quote=False)}
        traces.append({"type": "scatter", "mode": "lines+markers", "name": html.escape(t.name, quote=False),
                       "x": frames, "y": _floats(t.overlaps), "customdata": steps,
                       "line": {"color": t.colour, "width": 1.5},
                       "marker": {"size": 4, "color": t.colour}, **group})
        for status, symbol, words in (("failed", "x", "failure"), ("initialized", "triangle-up", "(re)initialised")):
            marked = np.flatnonzero(t.status == STATUSES.index(status))
            marked = marked[marked > 0]  # the run's own start is no event
            if not len(marked):
                continue
            traces.append({"type": "scatter", "mode": "markers", "name": f"{html.escape(t.name, quote=False)}: {words}",
                           "showlegend": False, "x": [frames[i] for i in marked], "y": [0.0] * len(marked),
                           "customdata": marked.tolist(), "hovertemplate": f"frame %{{x}}: {words}<extra></extra>",
                           "marker": {"symbol": symbol, "size": 10, "color": t.colour, "line": {"width": 1}}, **group})
    backward = len(frames) > 1 and frames[1] < frames[0]
    layout = {
        "title": {"text": "Overlap with the ground truth (click a point to see its frame)", "font": {"size": 15}},
        "xaxis": {"title": {"text": "frame" + (" (run order: backward)" if backward else "")},
                  "autorange": "reversed" if backward else True},
        "yaxis": {"title": {"text": "overlap"}, "range": [-0.05, 1.05]},
        "hovermode": "closest", "height": 320, "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "legend": {"orientation": "h", "y": -0.25},
        "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": frames[0], "x1": frames[0], "y0": 0, "y1": 1,
                    "line": {"color": "#555", "width": 1, "dash": "dot"}}],
    }
    return {"data": traces, "layout": layout}


def write_page(view: SequenceView, output: Path, *, max_frames: int | None = None, side: int | None = None,
               quality: int | None = None, fps: float | None = None) -> tuple[Path, Encoded, np.ndarray]:
    """Write the viewer of `view` to `output`; returns the path, the frames as encoded and the run steps shown."""
    steps = shown_steps(len(view.order), max_frames)
    encoded = encode_frames(view, steps, side, quality)
    rate = fps or view.fps or 25.0
    data = viewer_data(view, steps, encoded, rate)
    title = f"{view.sequence} · {view.benchmark} {view.experiment}"
    speeds = sorted({1.0, 5.0, 10.0, 25.0, 50.0, float(rate)})
    options = "".join(f'<option value="{s:g}"{" selected" if s == rate else ""}>{s:g} fps</option>' for s in speeds)
    unread = sum(image is None for image in encoded.images)
    sizes = (f"{len(steps)} of {len(view.order)} frames shown" if len(steps) < len(view.order)
             else f"all {len(view.order)} frames") + f", longest side {encoded.side} px, JPEG quality {encoded.quality}"
    body = "".join([
        f"<style>{STYLE}</style><h1>{html.escape(title)}</h1>",
        f'<p class="note">{html.escape(view.run)}; {sizes}'
        + (f"; <b>{unread} frame{'s' if unread != 1 else ''} could not be read</b>" if unread else "") + "</p>",
        '<div class="layout"><div><div class="stage"><canvas id="frame"></canvas></div>',
        '<div class="controls"><button id="play" type="button">play</button>',
        '<input id="slider" type="range" min="0" value="0" step="1" aria-label="frame">',
        f'<select id="speed" aria-label="speed">{options}</select><span id="counter"></span></div></div>',
        '<div class="legend" id="legend"></div></div>',
        '<div id="overlap" class="plot"></div>',
        f'<p class="note">Overlap: {html.escape(view.overlap)}. Keys: ← → step, space plays.</p>',
        f'<script id="viewer-data" type="application/json">{script_json(data)}</script>',
        f'<script id="viewer-frames" type="application/json">{script_json(encoded.images)}</script>',
        f"<script>{SCRIPT}</script>",
    ])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page(title, body, {"overlap": overlap_figure(view)}), encoding="utf-8")
    return output, encoded, steps
