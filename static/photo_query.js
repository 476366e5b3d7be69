/* Lookalike photo query: "Find look-alikes of your photo", on the map page and on image pages.
 *
 * The visitor picks, drops or takes a photo; it is decoded here (EXIF orientation applied by
 * createImageBitmap), prepared exactly as the build prepares an image (static/photo_resize.js),
 * embedded by the build's own model (query/model.onnx) under onnxruntime-web's single-thread
 * WebAssembly backend (no cross-origin isolation needed: GitHub Pages works), and compared with
 * the compact index of the collection (query/index*.bin, render/query_index.py). The nearest
 * images are listed with their similarity and linked to their pages; on the map a marker shows
 * where the photo would sit (static/explorer/photoquery.js, lk.photo) and the map flies there.
 * Nothing leaves the browser. The runtime, model and index load on the first photo only, with
 * progress (static/photo_load.js). From file:// the browser refuses to load them, and the panel says so.
 */
(function () {
  "use strict";
  var panel = document.getElementById("lk-photo");
  if (!panel || !window.fetch || !window.createImageBitmap) return;
  var root = panel.getAttribute("data-root") || "", onMap = panel.getAttribute("data-on-map") === "true";
  var status = document.getElementById("lk-photo-status"), bar = document.getElementById("lk-photo-progress");
  var list = document.getElementById("lk-photo-results"), drop = document.getElementById("lk-photo-drop");
  var preview = null;   // the visitor's photo, shown once given
  var opens = Array.prototype.slice.call(document.querySelectorAll(".lk-photo-open"));
  var SHOWN = 12, loading = null, busy = false, previewUrl = null;
  var base = new URL(root + "query/", location.href).href;

  function say(text) { status.textContent = text; }
  function progress(v) { if (v == null) { bar.hidden = true; } else { bar.hidden = false; bar.value = v; } }
  function mb(n) { return (n / 1e6).toFixed(1) + " MB"; }

  function toggle(open) {
    panel.hidden = !open;
    opens.forEach(function (b) { b.setAttribute("aria-expanded", open ? "true" : "false"); });
    if (open && location.protocol === "file:") {
      say("Finding look-alikes works when the site is served (GitHub Pages, or python -m http.server in its " +
          "folder): opened as a file from disk, the browser refuses to load the model.");
      panel.classList.add("lk-photo-off");
      Array.prototype.forEach.call(panel.querySelectorAll("input[type=file]"), function (i) { i.disabled = true; });
    }
    if (open) { var first = panel.querySelector("input:not([disabled]), button"); if (first) first.focus(); }
  }
  opens.forEach(function (b) { b.hidden = false; b.addEventListener("click", function () { toggle(panel.hidden); }); });
  var close = document.getElementById("lk-photo-close");
  if (close) close.addEventListener("click", function () { toggle(false); opens[0] && opens[0].focus(); });

  /* ---------- loading, once (static/photo_load.js) ---------- */
  function load() {
    if (loading) return loading;
    if (location.protocol === "file:") return Promise.reject(new Error("served only"));
    loading = window.LookalikePhotoLoad(base, function (done, total) {
      progress(Math.min(1, done / total));
      say("Loading the model and the index, once (" + mb(done) + " of " + mb(total) + ")");
    }).catch(function (err) { loading = null; throw err; });
    return loading;
  }

  /* ---------- the photo: bytes -> the model's input ---------- */
  function imageInfo(buf) {
    var v = new DataView(buf), info = { jpeg: false, progressive: false, orientation: 1, w: 0, h: 0 }, p = 2;
    if (v.byteLength > 24 && v.getUint32(0) === 0x89504E47) return pngInfo(v, info);
    if (v.byteLength < 4 || v.getUint16(0) !== 0xFFD8) return info;
    info.jpeg = true;
    while (p + 4 <= v.byteLength) {
      if (v.getUint8(p) !== 0xFF) break;
      var m = v.getUint8(p + 1);
      if (m === 0xFF) { p++; continue; }
      if (m === 0x01 || (m >= 0xD0 && m <= 0xD8)) { p += 2; continue; }
      var len = v.getUint16(p + 2);
      if (m === 0xE1 && info.orientation === 1 && len > 16 && v.getUint32(p + 4) === 0x45786966) info.orientation = exifOrientation(v, p + 10);
      if (m >= 0xC0 && m <= 0xCF && m !== 0xC4 && m !== 0xC8 && m !== 0xCC) {
        info.progressive = m === 0xC2 || m === 0xC6 || m === 0xCA || m === 0xCE;   // Pillow's "progressive"
        info.h = v.getUint16(p + 5); info.w = v.getUint16(p + 7);
      }
      if (m === 0xDA) break;
      p += 2 + len;
    }
    return info;
  }
  /* A PNG's size (IHDR) and its eXIf chunk's orientation, which Pillow and browsers both apply. */
  function pngInfo(v, info) {
    info.w = v.getUint32(16); info.h = v.getUint32(20);
    for (var p = 8; p + 12 <= v.byteLength;) {
      var len = v.getUint32(p), type = v.getUint32(p + 4);
      if (type === 0x65584966) { info.orientation = exifOrientation(v, p + 8); break; }   // "eXIf"
      if (type === 0x49444154) break;                                                     // "IDAT": as Pillow, before
      p += 12 + len;
    }
    return info;
  }
  function exifOrientation(v, t) {
    try {
      var le = v.getUint16(t) === 0x4949, ifd = t + v.getUint32(t + 4, le), n = v.getUint16(ifd, le);
      for (var e = 0; e < n; e++) {
        var at = ifd + 2 + e * 12;
        if (v.getUint16(at, le) === 0x0112) { var o = v.getUint16(at + 8, le); return o >= 1 && o <= 8 ? o : 1; }
      }
    } catch (err) { /* damaged EXIF: upright, as the build */ }
    return 1;
  }
  function pixels(file, info) {
    return createImageBitmap(file, { imageOrientation: "from-image", premultiplyAlpha: "none" }).then(function (bmp) {
      var c = document.createElement("canvas");
      c.width = bmp.width; c.height = bmp.height;
      var ctx = c.getContext("2d", { willReadFrequently: true });
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height);   // transparency on white, as the build
      ctx.drawImage(bmp, 0, 0);
      var rgba = ctx.getImageData(0, 0, c.width, c.height).data, rgb = new Uint8Array(c.width * c.height * 3);
      for (var i = 0, j = 0; i < rgba.length; i += 4, j += 3) { rgb[j] = rgba[i]; rgb[j + 1] = rgba[i + 1]; rgb[j + 2] = rgba[i + 2]; }
      // a browser that left a quarter-turned photo as stored: it is at its stored orientation already
      var turned = info.orientation >= 5 && info.w && info.w !== info.h && bmp.width === info.w && bmp.height === info.h;
      if (bmp.close) bmp.close();
      return { img: { w: c.width, h: c.height, data: rgb }, stored: turned };
    });
  }

  /* ---------- the model and the index ---------- */
  function embed(ix, input, side) {
    var x = new Float32Array(input.length);
    for (var i = 0; i < input.length; i++) x[i] = input[i];
    var feeds = {};
    feeds[ix.session.inputNames[0]] = new window.ort.Tensor("float32", x, [1, side, side, 3]);
    return ix.session.run(feeds).then(function (out) {
      var v = out[ix.session.outputNames[0]].data, norm = 0;
      for (var k = 0; k < v.length; k++) norm += v[k] * v[k];
      norm = Math.sqrt(norm) || 1;
      return Float32Array.from(v, function (a) { return a / norm; });
    });
  }
  function nearest(ix, q, count) {
    var m = ix.meta, D = m.features, d = m.dims, head = ix.head, z = new Float32Array(d), offset = 0, i, k;
    for (k = 0; k < D; k++) offset += q[k] * head[k];                           // q . mean
    for (i = 0; i < d; i++) {
      var s = 0;
      if (m.reduced) { var row = D + d + i * D; for (k = 0; k < D; k++) s += head[row + k] * q[k]; } else s = q[i];
      z[i] = s * head[D + i];                                                     // times the scale
    }
    var best = [], row0 = 0;
    ix.parts.forEach(function (codes) {
      var rows = codes.length / d;
      for (var r = 0; r < rows; r++) {
        var score = offset, base = r * d;
        for (var j = 0; j < d; j++) score += z[j] * codes[base + j];
        if (best.length < count || score > best[best.length - 1][1]) {
          best.push([row0 + r, score]);
          best.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
          if (best.length > count) best.pop();
        }
      }
      row0 += rows;
    });
    return best;
  }

  function url(template, id) { return root + template.replace("{shard}", id.slice(0, 2)).replace("{id}", id); }
  function show(ix, best) {
    var m = ix.meta;
    list.textContent = "";
    best.forEach(function (hit) {
      var id = m.ids[hit[0]], li = document.createElement("li"), a = document.createElement("a"), img = document.createElement("img");
      var sim = document.createElement("span");
      a.href = url(m.page, id); a.setAttribute("data-id", id);
      img.src = url(m.thumb, id); img.alt = ""; img.width = 64; img.height = 64; img.loading = "lazy";
      a.appendChild(img);
      var title = document.createElement("span");
      title.className = "lk-photo-title"; title.textContent = m.titles[hit[0]] || id;
      a.appendChild(title);
      sim.className = "similarity"; sim.textContent = "similarity " + Math.min(1, hit[1]).toFixed(2);
      sim.setAttribute("data-sim", hit[1].toFixed(4));
      a.appendChild(sim);
      li.appendChild(a); list.appendChild(li);
    });
    if (onMap && window.Lookalike && window.Lookalike.photo) {
      window.Lookalike.photo({ rows: best.map(function (h) { return h[0]; }), sims: best.map(function (h) { return h[1]; }) });
    }
  }

  function run(file) {
    if (busy || !file) return;
    if (file.type && file.type.indexOf("image/") !== 0) { say("That file is not an image."); return; }
    busy = true; panel.classList.add("lk-photo-busy"); list.textContent = "";
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    if (!preview) {
      preview = document.createElement("img");
      preview.className = "lk-photo-preview"; preview.alt = "Your photo";
      drop.insertBefore(preview, drop.firstChild);
    }
    previewUrl = URL.createObjectURL(file); preview.src = previewUrl;
    var ix, t0;
    load().then(function (loaded) {
      ix = loaded; progress(null); say("Looking at your photo\u2026");
      return file.arrayBuffer();
    }).then(function (buf) {
      var info = imageInfo(buf);
      return pixels(file, info).then(function (px) {
        var meta = { orientation: info.orientation, jpeg: info.jpeg, progressive: info.progressive, stored: px.stored };
        t0 = performance.now();
        return embed(ix, window.LookalikeResize.modelInput(px.img, meta, ix.meta.display_size, ix.meta.input), ix.meta.input);
      });
    }).then(function (q) {
      var best = nearest(ix, q, SHOWN);
      show(ix, best);
      panel.setAttribute("data-ms", String(Math.round(performance.now() - t0)));
      say("The " + best.length + " most similar images" + (onMap ? ", and where your photo would sit on the map:" : ":"));
    }).catch(function (err) {
      progress(null);
      say(location.protocol === "file:" ? status.textContent : "Your photo could not be compared: " + (err && err.message || err));
    }).then(function () { busy = false; panel.classList.remove("lk-photo-busy"); });
  }

  Array.prototype.forEach.call(panel.querySelectorAll("input[type=file]"), function (input) {
    input.addEventListener("change", function () { run(input.files && input.files[0]); input.value = ""; });
  });
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("lk-photo-over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function () { drop.classList.remove("lk-photo-over"); });
  });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    if (location.protocol === "file:") return;
    run(e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0]);
  });
})();
