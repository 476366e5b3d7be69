/* Lookalike photo query: photo_resize.js, the build's preprocessing of a photo, ported from
 * embed/images.py and embed/copies.py (Pillow 12's Reduce.c and Resample.c, 8-bit RGB), so a
 * visitor's photo reaches the model as the same 224 x 224 pixels the build would give it.
 *
 *   LookalikeResize.modelInput(img, meta, displaySize, side) -> Uint8Array (side * side * 3)
 *
 * img: {w, h, data: RGB bytes, 3 a pixel}, upright as the browser decoded it (createImageBitmap
 * with imageOrientation "from-image"); meta: {orientation (EXIF 1-8), jpeg, progressive, stored (true:
 * the browser left it as stored)}. The
 * steps, as the build does them: back to the file's stored orientation; a baseline JPEG at least
 * twice the display size in both sides is decoded at 1/2, 1/4 or 1/8 by libjpeg's DCT scaling
 * (Pillow's draft: here an s x s box mean stands in for it, the one step that is not exact);
 * an integer box reduction keeping the longest side >= the display size; upright again; the
 * display copy (bicubic, reducing_gap 2); the centre 87.5% square resized to the model's side
 * (bicubic, reducing_gap 3). A classic script (the site works from file://); node can require it.
 */
(function (root) {
  "use strict";
  var PRECISION_BITS = 22, CROP_FRACTION = 0.875;

  function image(w, h) { return { w: w, h: h, data: new Uint8Array(w * h * 3) }; }

  /* EXIF orientation as Pillow's transpose (embed/images.py _TRANSPOSE): pixel (x, y) of the
     result comes from (fx(x, y), fy(x, y)) of the source. */
  function transpose(img, orientation, inverse) {
    if (!(orientation >= 2 && orientation <= 8)) return img;
    if (inverse) orientation = { 6: 8, 8: 6 }[orientation] || orientation;   // 90 degree turns swap; the rest undo themselves
    var w = img.w, h = img.h, swap = orientation >= 5;
    var out = image(swap ? h : w, swap ? w : h), W = out.w, H = out.h, src = img.data, dst = out.data;
    for (var y = 0; y < H; y++) {
      for (var x = 0; x < W; x++) {
        var sx, sy;
        switch (orientation) {
          case 2: sx = w - 1 - x; sy = y; break;                 // FLIP_LEFT_RIGHT
          case 3: sx = w - 1 - x; sy = h - 1 - y; break;         // ROTATE_180
          case 4: sx = x; sy = h - 1 - y; break;                 // FLIP_TOP_BOTTOM
          case 5: sx = y; sy = x; break;                         // TRANSPOSE
          case 6: sx = y; sy = h - 1 - x; break;                 // ROTATE_270 (clockwise 90)
          case 7: sx = w - 1 - y; sy = h - 1 - x; break;         // TRANSVERSE
          default: sx = w - 1 - y; sy = x; break;                // 8: ROTATE_90
        }
        var s = (sy * w + sx) * 3, d = (y * W + x) * 3;
        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2];
      }
    }
    return out;
  }

  /* Pillow's draft scale for a JPEG asked for (size, size): the largest of 8, 4, 2 that divides
     both sides at least that often, else 1 (JpegImagePlugin.draft). */
  function draftScale(w, h, size) {
    var scale = Math.min(Math.floor(w / size), Math.floor(h / size));
    return scale >= 8 ? 8 : scale >= 4 ? 4 : scale >= 2 ? 2 : 1;
  }

  /* s x s means, rounded (the stand-in for libjpeg's scaled IDCT: the output has its size). */
  function boxMean(img, s) {
    var w = Math.ceil(img.w / s), h = Math.ceil(img.h / s), out = image(w, h), src = img.data;
    for (var y = 0; y < h; y++) {
      var y1 = Math.min(img.h, (y + 1) * s);
      for (var x = 0; x < w; x++) {
        var x1 = Math.min(img.w, (x + 1) * s), n = (y1 - y * s) * (x1 - x * s), a = 0, b = 0, c = 0;
        for (var yy = y * s; yy < y1; yy++) {
          for (var xx = x * s, p = (yy * img.w + xx) * 3; xx < x1; xx++, p += 3) { a += src[p]; b += src[p + 1]; c += src[p + 2]; }
        }
        var d = (y * w + x) * 3;
        out.data[d] = Math.floor((a + n / 2) / n); out.data[d + 1] = Math.floor((b + n / 2) / n);
        out.data[d + 2] = Math.floor((c + n / 2) / n);
      }
    }
    return out;
  }

  /* Reduce.c: division_UINT32 (a float32 quotient, truncated) and the box sums with their amend. */
  function multiplier(n) { return Math.floor(Math.fround(4294967296 / Math.fround(256 * n))); }

  /* Image.reduce((fx, fy), box): box means over the box, partial boxes at the right and bottom. */
  function reduce(img, fx, fy, box) {
    box = box || [0, 0, img.w, img.h];
    var bw = box[2] - box[0], bh = box[3] - box[1];
    var w = Math.ceil(bw / fx), h = Math.ceil(bh / fy), out = image(w, h), src = img.data;
    for (var y = 0; y < h; y++) {
      var y0 = box[1] + y * fy, y1 = Math.min(box[3], y0 + fy);
      for (var x = 0; x < w; x++) {
        var x0 = box[0] + x * fx, x1 = Math.min(box[2], x0 + fx), n = (y1 - y0) * (x1 - x0);
        var m = multiplier(n), amend = Math.floor(n / 2), a = amend, b = amend, c = amend;
        for (var yy = y0; yy < y1; yy++) {
          for (var xx = x0, p = (yy * img.w + xx) * 3; xx < x1; xx++, p += 3) { a += src[p]; b += src[p + 1]; c += src[p + 2]; }
        }
        var d = (y * w + x) * 3;
        out.data[d] = Math.floor(a * m / 16777216) & 255;
        out.data[d + 1] = Math.floor(b * m / 16777216) & 255;
        out.data[d + 2] = Math.floor(c * m / 16777216) & 255;
      }
    }
    return out;
  }

  function bicubic(x) {
    if (x < 0) x = -x;
    if (x < 1) return ((-0.5 + 2) * x - (-0.5 + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * -0.5;
    return 0;
  }

  /* Resample.c precompute_coeffs + normalize_coeffs_8bpc (in0, in1 are C floats). */
  function coeffs(inSize, in0, in1, outSize) {
    in0 = Math.fround(in0); in1 = Math.fround(in1);
    var scale = Math.fround(in1 - in0) / outSize, filterscale = scale < 1 ? 1 : scale;
    var support = 2 * filterscale, ksize = Math.ceil(support) * 2 + 1;
    var kk = new Float64Array(outSize * ksize), bounds = new Int32Array(outSize * 2);
    for (var xx = 0; xx < outSize; xx++) {
      var center = in0 + (xx + 0.5) * scale, ww = 0, ss = 1 / filterscale;
      var xmin = Math.trunc(center - support + 0.5), xmax = Math.trunc(center + support + 0.5), x;
      if (xmin < 0) xmin = 0;
      if (xmax > inSize) xmax = inSize;
      xmax -= xmin;
      for (x = 0; x < xmax; x++) { var wgt = bicubic((x + xmin - center + 0.5) * ss); kk[xx * ksize + x] = wgt; ww += wgt; }
      for (x = 0; x < xmax; x++) if (ww !== 0) kk[xx * ksize + x] /= ww;
      bounds[xx * 2] = xmin; bounds[xx * 2 + 1] = xmax;
    }
    var fixed = new Float64Array(kk.length), one = 1 << PRECISION_BITS;
    for (var i = 0; i < kk.length; i++) fixed[i] = kk[i] < 0 ? Math.trunc(-0.5 + kk[i] * one) : Math.trunc(0.5 + kk[i] * one);
    return { ksize: ksize, bounds: bounds, k: fixed };
  }

  function clip8(ss) {
    var v = Math.floor(ss / 4194304);   // >> PRECISION_BITS
    return v < 0 ? 0 : v > 255 ? 255 : v;
  }

  /* ImagingResample, bicubic, 8-bit RGB: a horizontal pass over the rows used, then a vertical one. */
  function resample(img, xsize, ysize, box) {
    box = box.map(Math.fround);
    var needH = xsize !== img.w || box[0] !== 0 || box[2] !== xsize;
    var needV = ysize !== img.h || box[1] !== 0 || box[3] !== ysize;
    var vert = coeffs(img.h, box[1], box[3], ysize);
    var first = vert.bounds[0], last = vert.bounds[ysize * 2 - 2] + vert.bounds[ysize * 2 - 1];
    var cur = img, x, y, i, HALF = 1 << (PRECISION_BITS - 1);
    if (needH) {
      var hor = coeffs(img.w, box[0], box[2], xsize), tmp = image(xsize, last - first), src = img.data;
      for (i = 0; i < ysize; i++) vert.bounds[i * 2] -= first;
      for (y = 0; y < tmp.h; y++) {
        var row = (y + first) * img.w;
        for (x = 0; x < xsize; x++) {
          var xmin = hor.bounds[x * 2], xmax = hor.bounds[x * 2 + 1], ko = x * hor.ksize, a = HALF, b = HALF, c = HALF;
          for (i = 0; i < xmax; i++) {
            var p = (row + xmin + i) * 3, kv = hor.k[ko + i];
            a += src[p] * kv; b += src[p + 1] * kv; c += src[p + 2] * kv;
          }
          var d = (y * xsize + x) * 3;
          tmp.data[d] = clip8(a); tmp.data[d + 1] = clip8(b); tmp.data[d + 2] = clip8(c);
        }
      }
      cur = tmp;
    }
    if (!needV) return cur === img ? { w: img.w, h: img.h, data: img.data.slice() } : cur;
    var out = image(cur.w, ysize), cd = cur.data;
    for (y = 0; y < ysize; y++) {
      var ymin = vert.bounds[y * 2], ymax = vert.bounds[y * 2 + 1], ko2 = y * vert.ksize;
      for (x = 0; x < cur.w; x++) {
        var a2 = HALF, b2 = HALF, c2 = HALF;
        for (i = 0; i < ymax; i++) {
          var q = ((ymin + i) * cur.w + x) * 3, kv2 = vert.k[ko2 + i];
          a2 += cd[q] * kv2; b2 += cd[q + 1] * kv2; c2 += cd[q + 2] * kv2;
        }
        var e = (y * cur.w + x) * 3;
        out.data[e] = clip8(a2); out.data[e + 1] = clip8(b2); out.data[e + 2] = clip8(c2);
      }
    }
    return out;
  }

  /* Image.resize(size, BICUBIC, box, reducing_gap): the integer reduction first, then resample. */
  function resize(img, xsize, ysize, box, gap) {
    box = box || [0, 0, img.w, img.h];
    if (xsize === img.w && ysize === img.h && box[0] === 0 && box[1] === 0 && box[2] === img.w && box[3] === img.h) {
      return { w: img.w, h: img.h, data: img.data.slice() };
    }
    var fx = Math.trunc((box[2] - box[0]) / xsize / gap) || 1, fy = Math.trunc((box[3] - box[1]) / ysize / gap) || 1;
    if (fx > 1 || fy > 1) {
      var sup = 2 - 0.5, sxs = sup * (box[2] - box[0]) / xsize, sys = sup * (box[3] - box[1]) / ysize;
      var rb = [Math.max(0, Math.trunc(box[0] - sxs)), Math.max(0, Math.trunc(box[1] - sys)),
                Math.min(img.w, Math.ceil(box[2] + sxs)), Math.min(img.h, Math.ceil(box[3] + sys))];
      img = reduce(img, fx, fy, rb);
      box = [(box[0] - rb[0]) / fx, (box[1] - rb[1]) / fy, (box[2] - rb[0]) / fx, (box[3] - rb[1]) / fy];
    }
    return resample(img, xsize, ysize, box);
  }

  /* core/manifest.py fitted_size: longest side at most `longest`, never enlarged (Python's round). */
  function pyRound(v) {
    var f = Math.floor(v), diff = v - f;
    return diff > 0.5 ? f + 1 : diff < 0.5 ? f : (f % 2 === 0 ? f : f + 1);
  }
  function fittedSize(w, h, longest) {
    var scale = longest / Math.max(w, h, 1);
    if (scale >= 1) return [w, h];
    return [Math.max(1, pyRound(w * scale)), Math.max(1, pyRound(h * scale))];
  }

  function modelInput(img, meta, displaySize, side) {
    var orientation = meta.orientation || 1;
    if (!meta.stored) img = transpose(img, orientation, true);          // the file's stored orientation
    if (meta.jpeg && !meta.progressive) {
      var s = draftScale(img.w, img.h, displaySize);
      if (s > 1) img = boxMean(img, s);
    }
    var factor = Math.floor(Math.max(img.w, img.h) / displaySize);     // images.py _reduce
    if (factor >= 2) img = reduce(img, factor, factor);
    img = transpose(img, orientation, false);
    var size = fittedSize(img.w, img.h, displaySize);                   // copies.py fit: the display copy
    if (size[0] !== img.w || size[1] !== img.h) img = resize(img, size[0], size[1], null, 2.0);
    var c = Math.min(img.w, img.h) * CROP_FRACTION, left = (img.w - c) / 2, top = (img.h - c) / 2;
    return resize(img, side, side, [left, top, left + c, top + c], 3.0).data;   // copies.py model_crop
  }

  var api = { modelInput: modelInput, resize: resize, reduce: reduce, transpose: transpose, draftScale: draftScale,
              fittedSize: fittedSize, boxMean: boxMean };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.LookalikeResize = api;
})(typeof window !== "undefined" ? window : this);
