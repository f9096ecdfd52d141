"""The interactive latent explorer: decoders exported as weights (vaelab.viz.export) run in plain JavaScript.

A 2-D plane: moving the pointer over the test codes decodes that point live. Sliders: each moves one
latent of a beta-VAE, the others held at 0. No server and no library: the page loads the weight files
with <script> tags, so it works from file://.
"""

from __future__ import annotations

import html

SCRIPT = r"""
(function () {
  "use strict";
  const E = window.VAELAB_EXPLORER || {};
  function b64(s, Type) {
    const bin = atob(s), bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Type(bytes.buffer);
  }
  function prepare(dec) {
    if (dec.ready) return dec;
    dec.layers.forEach(function (l) {
      l.Q = b64(l.q, Int8Array); l.S = b64(l.scale, Float32Array); l.B = b64(l.bias, Float32Array);
    });
    dec.ready = true;
    return dec;
  }
  const ACT = {
    none: function (a) { return a; }, relu: function (a) { return a > 0 ? a : 0; }, tanh: Math.tanh,
    elu: function (a) { return a > 0 ? a : Math.exp(a) - 1; }, leaky_relu: function (a) { return a > 0 ? a : 0.01 * a; }
  };
  function decode(dec, z) {
    let h = Float32Array.from(z);
    dec.layers.forEach(function (l) {
      const out = new Float32Array(l.out), act = ACT[l.act];
      for (let o = 0; o < l.out; o++) {
        let s = 0; const row = o * l.in;
        for (let i = 0; i < l.in; i++) s += l.Q[row + i] * h[i];
        out[o] = act(s * l.S[o] + l.B[o]);
      }
      h = out;
    });
    for (let i = 0; i < h.length; i++) {
      h[i] = dec.output === "sigmoid" ? 1 / (1 + Math.exp(-h[i])) : Math.min(1, Math.max(0, h[i]));
    }
    return h;
  }
  function draw(canvas, dec, pixels) {
    const c = dec.shape[0], hgt = dec.shape[1], wid = dec.shape[2];
    const img = new ImageData(wid, hgt);
    for (let p = 0; p < hgt * wid; p++) {
      for (let k = 0; k < 3; k++) {
        const v = pixels[(c === 3 ? k : 0) * hgt * wid + p];
        img.data[4 * p + k] = Math.round(255 * v);
      }
      img.data[4 * p + 3] = 255;
    }
    const off = document.createElement("canvas"); off.width = wid; off.height = hgt;
    off.getContext("2d").putImageData(img, 0, 0);
    const ctx = canvas.getContext("2d"); ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  }
  const COLORS = ["#1f77b4","#ff7f0e","#2ca02c","#d62728","#9467bd","#8c564b","#e377c2","#7f7f7f","#bcbd22","#17becf"];
  function plane() {
    const dec = E.plane, map = document.getElementById("explorer-plane"), out = document.getElementById("explorer-plane-out");
    if (!dec || !map || !out) return;
    prepare(dec);
    const r = dec.range, ctx = map.getContext("2d");
    function toPix(x, y) { return [(x - r[0]) / (r[1] - r[0]) * map.width, (r[3] - y) / (r[3] - r[2]) * map.height]; }
    function background() {
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, map.width, map.height);
      for (let i = 0; i < dec.labels.length; i++) {
        const p = toPix(dec.points[2 * i], dec.points[2 * i + 1]);
        ctx.fillStyle = COLORS[dec.labels[i] % 10]; ctx.fillRect(p[0] - 1, p[1] - 1, 2, 2);
      }
    }
    function show(z) {
      background(); const p = toPix(z[0], z[1]);
      ctx.strokeStyle = "#000"; ctx.beginPath(); ctx.arc(p[0], p[1], 6, 0, 2 * Math.PI); ctx.stroke();
      draw(out, dec, decode(dec, z));
      document.getElementById("explorer-plane-z").textContent = "z = (" + z[0].toFixed(2) + ", " + z[1].toFixed(2) + ")";
    }
    map.addEventListener("pointermove", function (ev) {
      const b = map.getBoundingClientRect();
      const x = r[0] + (ev.clientX - b.left) / b.width * (r[1] - r[0]);
      const y = r[3] - (ev.clientY - b.top) / b.height * (r[3] - r[2]);
      show([x, y]);
    });
    show([0, 0]);
  }
  function sliders() {
    const dec = E.sliders, box = document.getElementById("explorer-sliders"), out = document.getElementById("explorer-sliders-out");
    if (!dec || !box || !out) return;
    prepare(dec);
    const z = new Float32Array(dec.latent_dim);
    function update() { draw(out, dec, decode(dec, z)); }
    dec.dims.forEach(function (d, k) {
      const label = document.createElement("label");
      label.textContent = "z" + d + " (KL " + dec.kl[k].toFixed(2) + ") ";
      const s = document.createElement("input");
      s.type = "range"; s.min = "-3"; s.max = "3"; s.step = "0.05"; s.value = "0";
      s.addEventListener("input", function () { z[d] = parseFloat(s.value); update(); });
      label.appendChild(s); box.appendChild(label);
    });
    update();
  }
  plane(); sliders();
})();
"""

CSS = """
.explorer{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start;margin:1em 0}
.explorer canvas{border:1px solid #dde2ea;touch-action:none} #explorer-plane{cursor:crosshair}
#explorer-sliders{display:grid;grid-template-columns:1fr;gap:2px;font-size:.85rem}
#explorer-sliders label{display:flex;justify-content:space-between;gap:8px;width:300px}
#explorer-sliders input{width:170px}
"""


def explorer_part(kind: str, folder_name: str) -> str:
    """The markup and data script of the explorer's `kind` ("plane" or "sliders"), its decoder's weights in
    FOLDER/explorer-KIND.js; the page adds `explorer_script()` once, after every part."""
    f = html.escape(folder_name, quote=True)
    if kind == "plane":
        return (
            f'<script src="{f}/explorer-plane.js"></script>'
            '<div class="explorer"><canvas id="explorer-plane" width="320" height="320" '
            'aria-label="test codes of the 2-D VAE; point at one to decode it"></canvas>'
            '<div><canvas id="explorer-plane-out" width="168" height="168" aria-label="the decoded image"></canvas>'
            '<p id="explorer-plane-z" class="meta"></p></div></div>'
        )
    if kind == "sliders":
        return (
            f'<script src="{f}/explorer-sliders.js"></script>'
            '<div class="explorer"><div id="explorer-sliders"></div>'
            '<canvas id="explorer-sliders-out" width="168" height="168" aria-label="the decoded image"></canvas></div>'
        )
    raise ValueError(f"no explorer {kind!r}: plane or sliders")


def explorer_script() -> str:
    return f"<script>{SCRIPT}</script>"
